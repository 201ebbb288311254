import { and, eq } from "drizzle-orm";
import { database } from "./database";
import { apiKeys, sources, webhookSources } from "./schema";
import type { RateLimit } from "../limits/token-bucket";

/** The table that keeps each kind of limited key, with its own `rate_limit` column. */
const LIMITED_KEYS = { source: sources, "api-key": apiKeys, "webhook-source": webhookSources } as const;

export type LimitedKeyKind = keyof typeof LIMITED_KEYS;

/** Sets a key's own rate limit (null: the default); false when the namespace has no such key of that kind. */
export async function setKeyRateLimit(db: D1Database, kind: LimitedKeyKind, namespaceId: string, id: string, limit: RateLimit | null): Promise<boolean> {
  const table = LIMITED_KEYS[kind];
  const row = await database(db)
    .update(table)
    .set({ rateLimit: limit ? JSON.stringify(limit) : null })
    .where(and(eq(table.id, id), eq(table.namespaceId, namespaceId)))
    .returning({ id: table.id })
    .get();
  return row !== undefined;
}
