import { database } from "./database";
import { and, desc, eq, gt, sql } from "drizzle-orm";
import { leadProjection } from "./schema";
import { firstHourKept, hourlySeries, HOUR_MS } from "../leads/hourly";

/** Leads per score bucket of ten ([0,10) … [90,100), then 100 and over), from the projection. */
export async function scoreHistogram(db: D1Database, namespaceId: string): Promise<number[]> {
  const bucket = sql<number>`min(10, max(0, cast(${leadProjection.score} / 10 as integer)))`;
  const rows = await database(db)
    .select({ bucket, count: sql<number>`count(*)` })
    .from(leadProjection)
    .where(eq(leadProjection.namespaceId, namespaceId))
    .groupBy(bucket)
    .all();
  const counts = new Array<number>(11).fill(0);
  for (const row of rows) counts[row.bucket] = row.count;
  return counts;
}

/** The leads busiest in the last 24 hours (velocity), active since `since`. */
export async function topMovers(db: D1Database, namespaceId: string, since: number, limit: number) {
  return database(db)
    .select()
    .from(leadProjection)
    .where(and(eq(leadProjection.namespaceId, namespaceId), gt(leadProjection.lastActivity, since), gt(leadProjection.velocity, 0)))
    .orderBy(desc(leadProjection.velocity), desc(leadProjection.score))
    .limit(limit)
    .all();
}

/**
 * Events per hour of the last 24 hours (oldest first), summed over the
 * hourly counts of the leads active since the first of those hours.
 */
export async function eventsPerHour(db: D1Database, namespaceId: string, now: number): Promise<number[]> {
  const first = firstHourKept(now);
  const { results } = await db
    .prepare(
      `SELECT CAST(h.key AS INTEGER) AS hour, sum(h.value) AS events
       FROM lead_projection p, json_each(p.recent_hours) h
       WHERE p.namespace_id = ?1 AND p.last_activity >= ?2 AND p.recent_hours IS NOT NULL AND CAST(h.key AS INTEGER) >= ?3
       GROUP BY hour`,
    )
    .bind(namespaceId, first * HOUR_MS, first)
    .all<{ hour: number; events: number }>();
  return hourlySeries(results, now);
}
