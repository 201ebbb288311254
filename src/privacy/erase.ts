import type { DrizzleD1Database } from "drizzle-orm/d1";
import { database } from "../db/database";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import {
  automationFirings,
  bufferedLeads,
  deliveries,
  enrichmentCache,
  orgEnrichmentLookups,
  leadIdentities,
  leadProjection,
  leadTombstones,
  orgs,
  suppressedIdentities,
} from "../db/schema";
import { forgetSuppressedHashes, identityHash } from "../db/suppression";
import { chunksOf, MAX_IN_LIST } from "../db/batch";
import { leadObjectName } from "../ingest/lead-name";
import type { Identity } from "../ingest/normalize";
import { forgetLeadDeliveries } from "../destinations/log";
import { forgetArchivedLeads } from "../archive/hand-over";
import { leadStub } from "../leads/lead-stub";

/** What is erased: the lead objects' ids (the lead and the wiped homes of its identities) and its identities. */
export interface EraseTarget {
  namespaceId: string;
  leadIds: string[];
  identities: Identity[];
}

type Orm = DrizzleD1Database<Record<string, never>>;
type Eraser = (orm: Orm, target: EraseTarget) => BatchItem<"sqlite">[];

/** Lists of ids or emails, split under D1's bound-parameter limit. */
const chunks = <T>(items: readonly T[]) => chunksOf(items, MAX_IN_LIST);

/** The erased emails, for tables keyed by email. */
export const emailsOf = (target: EraseTarget): string[] => target.identities.filter((i) => i.kind === "email").map((i) => i.value);

/**
 * Every D1 table that holds something of a lead, with how to erase it. A new
 * table that holds lead data gets one line here; the erase test then covers it.
 */
export const D1_ERASERS: Readonly<Record<string, Eraser>> = {
  identityIndex: (orm, t) => chunks(t.leadIds).map((ids) => orm.delete(leadIdentities).where(inArray(leadIdentities.leadId, ids))),
  projection: (orm, t) => chunks(t.leadIds).map((ids) => orm.delete(leadProjection).where(inArray(leadProjection.leadId, ids))),
  deliveries: (orm, t) => chunks(t.leadIds).map((ids) => orm.delete(deliveries).where(inArray(deliveries.leadId, ids))),
  automationFirings: (orm, t) => chunks(t.leadIds).map((ids) => orm.delete(automationFirings).where(inArray(automationFirings.leadId, ids))),
  enrichmentCache: (orm, t) => chunks(emailsOf(t)).map((emails) => orm.delete(enrichmentCache).where(inArray(enrichmentCache.email, emails))),
  orgEnrichmentLookups: (orm, t) => chunks(emailsOf(t)).map((emails) => orm.delete(orgEnrichmentLookups).where(inArray(orgEnrichmentLookups.email, emails))),
  // The buffers of every lead-service organisation attached to the lead's namespace.
  leadBuffers: (orm, t) =>
    chunks(emailsOf(t)).map((emails) =>
      orm
        .delete(bufferedLeads)
        .where(and(inArray(bufferedLeads.email, emails), inArray(bufferedLeads.orgId, orm.select({ id: orgs.id }).from(orgs).where(eq(orgs.namespaceId, t.namespaceId))))),
    ),
};

export interface EraseResult {
  leadId: string;
  identitiesSuppressed: number;
  objectsErased: number;
}

/**
 * Erases a live lead everywhere it is held, and suppresses its identities.
 * Steps, each safe to run again, so a failed erasure is finished by calling
 * it again (the lead keeps its data, and drops new events, until the last step):
 * 1. the lead marks itself erased (drops events from now on) and names its identities;
 * 2. the home object of each identity (forward pointers of merged-away leads,
 *    claims) is wiped and marked erased, unless it is another live lead;
 * 3. one D1 batch: suppression hashes, tombstones (the projection never takes
 *    the lead back), and every table in D1_ERASERS;
 *    The delivery shards of every destination drop the lead's items and log
 *    rows (and drop any item of a tombstoned lead before sending it);
 * 4. the lead object wipes itself (events, identities, outbox: nothing owed
 *    to destinations is sent afterwards), keeping only the erased mark;
 * 5. the D1 erasers and the shards once more, for anything an in-flight write put back;
 *    the lead's archive shard drops its waiting rows and rewrites the files
 *    holding its rows without them (durable/archive-object.ts; it takes no
 *    more rows of the lead afterwards).
 * Returns null when there is no such live lead in the namespace.
 */
export async function eraseLead(env: Env, namespaceId: string, leadId: string): Promise<EraseResult | null> {
  const lead = leadStub(env, leadId);
  const plan = await lead.prepareErase(namespaceId);
  if (!plan) return null;

  const homes = plan.identities.map((identity) => ({ identity, name: leadObjectName(namespaceId, identity.kind, identity.value) }));
  const wiped = await Promise.all(
    homes.map(async (home) => (home.name === plan.name ? true : env.LEAD.getByName(home.name).erase(namespaceId, home.name, plan.name))),
  );
  const erasedHomes = homes.filter((_, i) => wiped[i]);
  const target: EraseTarget = {
    namespaceId,
    identities: erasedHomes.map((h) => h.identity),
    leadIds: [...new Set([leadId, ...erasedHomes.map((h) => env.LEAD.idFromName(h.name).toString())])],
  };

  const orm = database(env.DB);
  const now = Date.now();
  const hashes = await Promise.all(target.identities.map((identity) => identityHash(namespaceId, identity)));
  await orm.batch([
    ...target.identities.map((identity, i) =>
      orm
        .insert(suppressedIdentities)
        .values({ namespaceId, identityHash: hashes[i]!, kind: identity.kind, createdAt: now })
        .onConflictDoNothing(),
    ),
    ...chunks(target.leadIds).map((ids) =>
      orm
        .insert(leadTombstones)
        .values(ids.map((id) => ({ leadId: id, namespaceId, reason: "erased" as const, at: now })))
        .onConflictDoUpdate({ target: leadTombstones.leadId, set: { reason: sql`'erased'`, at: now } }),
    ),
    ...erasersFor(orm, target),
  ] as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  forgetSuppressedHashes(namespaceId);
  await forgetLeadDeliveries(env, namespaceId, target.leadIds);

  await lead.erase(namespaceId, plan.name, plan.name);
  await orm.batch(erasersFor(orm, target) as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  await forgetLeadDeliveries(env, namespaceId, target.leadIds);
  await forgetArchivedLeads(env, namespaceId, target.leadIds);
  return { leadId, identitiesSuppressed: target.identities.length, objectsErased: target.leadIds.length };
}

function erasersFor(orm: Orm, target: EraseTarget): BatchItem<"sqlite">[] {
  return Object.values(D1_ERASERS).flatMap((eraser) => eraser(orm, target));
}
