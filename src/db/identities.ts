import { drizzle } from "drizzle-orm/d1";
import { and, eq } from "drizzle-orm";
import { leadIdentities } from "./schema";
import type { Identity } from "../ingest/normalize";

// 5 columns a row: 20 rows keep a statement under D1's 100 bound parameters.
const ROWS_PER_STATEMENT = 20;

/** Records identities for a lead; the first lead to claim an identity keeps it. */
export async function indexIdentities(db: D1Database, namespaceId: string, leadId: string, identities: Identity[]): Promise<void> {
  const orm = drizzle(db);
  const now = Date.now();
  const rows = identities.map((i) => ({ namespaceId, kind: i.kind, value: i.value, leadId, updatedAt: now }));
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    statements.push(orm.insert(leadIdentities).values(rows.slice(i, i + ROWS_PER_STATEMENT)).onConflictDoNothing());
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
