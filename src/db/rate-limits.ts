import { and, eq } from "drizzle-orm";
import { database } from "./database";
import { apiKeys, sources, webhookSources } from "./schema";
import type { RateLimit } from "../limits/token-bucket";
import { StoredJson } from "../stored-json";

/** The table that keeps each kind of limited key, with its own `rate_limit` column. */
const LIMITED_KEYS = { source: sources, "api-key": apiKeys, "webhook-source": webhookSources } as const;

/** A key's own limit (the column `rate_limit`; null: the default). */
const rateLimitJson = new StoredJson<RateLimit>();

export function readRateLimit(stored: string | null): RateLimit | null {
  return stored ? rateLimitJson.parse(stored) : null;
}

export type LimitedKeyKind = keyof typeof LIMITED_KEYS;

/** Sets a key's own rate limit (null: the default); false when the namespace has no such key of that kind. */
export async function setKeyRateLimit(db: D1Database, kind: LimitedKeyKind, namespaceId: string, id: string, limit: RateLimit | null): Promise<boolean> {
  const table = LIMITED_KEYS[kind];
  const row = await database(db)
    .update(table)
    .set({ rateLimit: limit ? rateLimitJson.stringify(limit) : null })
    .where(and(eq(table.id, id), eq(table.namespaceId, namespaceId)))
    .returning({ id: table.id })
    .get();
  return row !== undefined;
}
