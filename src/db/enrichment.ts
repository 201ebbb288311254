import { database } from "./database";
import { eq, sql } from "drizzle-orm";
import { enrichmentCache, enrichmentStats } from "./schema";
import type { Organization, Person } from "../enrichment/types";

export interface CachedEnrichment {
  found: boolean;
  person: Person | null;
  organization: Organization | null;
  provider: string | null;
  confidence: number | null;
  fetchedAt: number | null;
}

export type CacheRow = typeof enrichmentCache.$inferSelect;

export async function readCache(db: D1Database, email: string): Promise<CacheRow | undefined> {
  return database(db).select().from(enrichmentCache).where(eq(enrichmentCache.email, email)).get();
}

/**
 * Takes the right to look `email` up: granted when no row exists, when the
 * row's lookup is stale, or when a holder's lock ran out. One statement, so
 * of callers racing for one email exactly one wins.
 */
export async function lockForLookup(db: D1Database, email: string, now: number, lockMs: number): Promise<boolean> {
  const row = await db
    .prepare(
      `INSERT INTO enrichment_cache (email, state, lock_until) VALUES (?1, 'pending', ?2)
       ON CONFLICT (email) DO UPDATE SET state = 'pending', lock_until = excluded.lock_until
       WHERE (enrichment_cache.state = 'pending' AND enrichment_cache.lock_until <= ?3)
          OR (enrichment_cache.state = 'done' AND enrichment_cache.expires_at <= ?3)
       RETURNING email`,
    )
    .bind(email, now + lockMs, now)
    .first();
  return row !== null;
}

export async function storeLookup(db: D1Database, email: string, result: CachedEnrichment, expiresAt: number): Promise<void> {
  await database(db)
    .update(enrichmentCache)
    .set({ ...result, state: "done", lockUntil: 0, expiresAt })
    .where(eq(enrichmentCache.email, email));
}

/** Gives a lock back after a failed lookup so the next caller need not wait for it to run out. */
export async function releaseLock(db: D1Database, email: string): Promise<void> {
  await database(db).update(enrichmentCache).set({ lockUntil: 0 }).where(eq(enrichmentCache.email, email));
}

const MINUTE_MS = 60_000;

/** One call's slot in the provider's per-minute window, across every isolate; false when the window is full. */
export async function takeProviderSlot(db: D1Database, provider: string, limitPerMinute: number, now: number): Promise<boolean> {
  const windowStart = now - (now % MINUTE_MS);
  const [, taken] = await db.batch([
    db.prepare("DELETE FROM enrichment_usage WHERE provider = ?1 AND window_start < ?2").bind(provider, windowStart - 60 * MINUTE_MS),
    db
      .prepare(
        `INSERT INTO enrichment_usage (provider, window_start, calls) VALUES (?1, ?2, 1)
         ON CONFLICT (provider, window_start) DO UPDATE SET calls = calls + 1 WHERE calls < ?3
         RETURNING calls`,
      )
      .bind(provider, windowStart, limitPerMinute),
  ]);
  return (taken?.results.length ?? 0) > 0;
}

export interface StatsDelta {
  calls?: number;
  hits?: number;
  misses?: number;
  errors?: number;
  rateLimited?: number;
  costMicros?: number;
  unavailableUntil?: number;
}

/** Adds to the counters of several providers (and `cache`) in one batch. */
export async function addStats(db: D1Database, deltas: Map<string, StatsDelta>): Promise<void> {
  const orm = database(db);
  const statements = [...deltas].map(([provider, d]) =>
    orm
      .insert(enrichmentStats)
      .values({
        provider,
        calls: d.calls ?? 0,
        hits: d.hits ?? 0,
        misses: d.misses ?? 0,
        errors: d.errors ?? 0,
        rateLimited: d.rateLimited ?? 0,
        costMicros: d.costMicros ?? 0,
        unavailableUntil: d.unavailableUntil ?? 0,
      })
      .onConflictDoUpdate({
        target: enrichmentStats.provider,
        set: {
          calls: sql`${enrichmentStats.calls} + excluded.calls`,
          hits: sql`${enrichmentStats.hits} + excluded.hits`,
          misses: sql`${enrichmentStats.misses} + excluded.misses`,
          errors: sql`${enrichmentStats.errors} + excluded.errors`,
          rateLimited: sql`${enrichmentStats.rateLimited} + excluded.rate_limited`,
          costMicros: sql`${enrichmentStats.costMicros} + excluded.cost_micros`,
          unavailableUntil: sql`max(${enrichmentStats.unavailableUntil}, excluded.unavailable_until)`,
        },
      }),
  );
  const [first, ...rest] = statements;
  if (first) await orm.batch([first, ...rest]);
}

export async function readStats(db: D1Database) {
  return database(db).select().from(enrichmentStats).orderBy(enrichmentStats.provider).all();
}

export interface OrgLookup {
  /** The organisation had asked about this email before. */
  askedBefore: boolean;
  /** When its current answer was fetched for it: now on its first lookup or one that asked a provider, else its earlier time. */
  answeredAt: number;
}

/**
 * Records one lookup by an organisation. `fresh`: a provider was asked for
 * this call (not the cache), so the organisation's answer is as of `now`.
 */
export async function recordOrgLookup(db: D1Database, orgId: string, email: string, now: number, fresh: boolean): Promise<OrgLookup> {
  const inserted = await db
    .prepare("INSERT INTO org_enrichment_lookups (org_id, email, first_at, answered_at) VALUES (?1, ?2, ?3, ?3) ON CONFLICT (org_id, email) DO NOTHING RETURNING email")
    .bind(orgId, email, now)
    .first();
  if (inserted !== null) return { askedBefore: false, answeredAt: now };
  const row = await (fresh
    ? db.prepare("UPDATE org_enrichment_lookups SET answered_at = ?3 WHERE org_id = ?1 AND email = ?2 RETURNING answered_at AS answeredAt").bind(orgId, email, now)
    : db.prepare("SELECT coalesce(answered_at, first_at) AS answeredAt FROM org_enrichment_lookups WHERE org_id = ?1 AND email = ?2").bind(orgId, email)
  ).first<{ answeredAt: number }>();
  return { askedBefore: true, answeredAt: row?.answeredAt ?? now };
}

export async function addOrgStats(db: D1Database, orgId: string, hit: boolean): Promise<void> {
  await db
    .prepare("INSERT INTO org_enrichment_stats (org_id, lookups, hits) VALUES (?1, 1, ?2) ON CONFLICT (org_id) DO UPDATE SET lookups = lookups + 1, hits = hits + excluded.hits")
    .bind(orgId, hit ? 1 : 0)
    .run();
}

export async function readOrgStats(db: D1Database, orgId: string): Promise<{ lookups: number; hits: number }> {
  return (await db.prepare("SELECT lookups, hits FROM org_enrichment_stats WHERE org_id = ?").bind(orgId).first<{ lookups: number; hits: number }>()) ?? { lookups: 0, hits: 0 };
}
