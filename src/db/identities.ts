import { drizzle } from "drizzle-orm/d1";
import { and, eq, sql } from "drizzle-orm";
import { leadIdentities } from "./schema";
import type { Identity } from "../ingest/normalize";

// 5 columns a row: 20 rows keep a statement under D1's 100 bound parameters.
const ROWS_PER_STATEMENT = 20;

/**
 * Points identities at a lead. Only a live lead that has linked an identity
 * writes it (see the merge protocol in durable/lead-object.ts), so the
 * latest writer is the identity's owner.
 */
export async function indexIdentities(db: D1Database, namespaceId: string, leadId: string, identities: readonly Identity[]): Promise<void> {
  const orm = drizzle(db);
  const now = Date.now();
  const rows = identities.map((i) => ({ namespaceId, kind: i.kind, value: i.value, leadId, updatedAt: now }));
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    statements.push(
      orm
        .insert(leadIdentities)
        .values(rows.slice(i, i + ROWS_PER_STATEMENT)).onConflictDoUpdate({
          target: [leadIdentities.namespaceId, leadIdentities.kind, leadIdentities.value],
          set: { leadId: sql`excluded.lead_id`, updatedAt: sql`excluded.updated_at` },
        }),
    );
  }
  const [first, ...rest] = statements;
  if (first) await orm.batch([first, ...rest]);
}

export async function findLeadByIdentity(db: D1Database, namespaceId: string, identity: Identity): Promise<string | undefined> {
  const row = await drizzle(db)
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
