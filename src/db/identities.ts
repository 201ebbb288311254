import { database } from "./database";
import { and, eq, sql } from "drizzle-orm";
import { leadIdentities } from "./schema";
import { writeInChunks } from "./batch";
import type { Identity } from "../ingest/normalize";

/**
 * Points identities at a lead. Only a live lead that has linked an identity
 * writes it (see the merge protocol in durable/lead-object.ts), so the
 * latest writer is the identity's owner.
 */
export async function indexIdentities(db: D1Database, namespaceId: string, leadId: string, identities: readonly Identity[]): Promise<void> {
  const orm = database(db);
  const now = Date.now();
  const rows = identities.map((i) => ({ namespaceId, kind: i.kind, value: i.value, leadId, updatedAt: now }));
  await writeInChunks(orm, rows, 5, (chunk) =>
    orm
      .insert(leadIdentities)
      .values(chunk)
      .onConflictDoUpdate({
        target: [leadIdentities.namespaceId, leadIdentities.kind, leadIdentities.value],
        set: { leadId: sql`excluded.lead_id`, updatedAt: sql`excluded.updated_at` },
      }),
  );
}

export async function findLeadByIdentity(db: D1Database, namespaceId: string, identity: Identity): Promise<string | undefined> {
  const row = await database(db)
    .select({ leadId: leadIdentities.leadId })
    .from(leadIdentities)
    .where(
      and(
        eq(leadIdentities.namespaceId, namespaceId),
        eq(leadIdentities.kind, identity.kind),
        eq(leadIdentities.value, identity.value),
      ),
    )
    .get();
  return row?.leadId;
}
