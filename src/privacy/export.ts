import { database } from "../db/database";
import { and, eq, inArray } from "drizzle-orm";
import { deliveries, leadProjection } from "../db/schema";
import { leadObjectName } from "../ingest/lead-name";
import { chunksOf, MAX_IN_LIST } from "../db/batch";
import type { LeadExport, LeadSummary } from "../contracts/lead-rpc";
import { deliveriesOfLeads } from "../destinations/log";

/**
 * Everything held about a lead: what its object holds (summary, identities,
 * every timeline row, merges, conflicts, stage changes) and its D1 rows (the
 * projection, and the delivery log of the lead and of the leads merged into it:
 * from the delivery shards, and any rows D1 still holds from before them).
 */
export async function exportLead(env: Env, summary: LeadSummary, held: LeadExport) {
  const leadIds = [
    ...new Set([summary.id, ...held.identities.map((i) => env.LEAD.idFromName(leadObjectName(summary.namespaceId, i.kind, i.value)).toString())]),
  ];
  const orm = database(env.DB);
  const [legacyRows, shardRows, projection] = await Promise.all([
    Promise.all(
      chunksOf(leadIds, MAX_IN_LIST).map((ids) => orm.select().from(deliveries).where(inArray(deliveries.leadId, ids)).all()),
    ).then((pages) => pages.flat()),
    deliveriesOfLeads(env, summary.namespaceId, leadIds),
    orm
      .select()
      .from(leadProjection)
      .where(and(eq(leadProjection.namespaceId, summary.namespaceId), eq(leadProjection.leadId, summary.id)))
      .get(),
  ]);
  const { namespaceId: _namespaceId, ...lead } = summary;
  return {
    exportedAt: new Date().toISOString(),
    lead,
    identities: held.identities,
    events: held.timeline,
    merges: held.timeline.filter((entry) => entry.type === "merge"),
    conflicts: summary.conflicts,
    stageChanges: summary.stageChanges,
    deliveries: [...legacyRows, ...shardRows].map((d) => ({ ...d, payload: d.payload === null ? null : (JSON.parse(d.payload) as unknown), updatedAt: new Date(d.updatedAt).toISOString() })),
    projection: projection ?? null,
  };
}

