import { drizzle } from "drizzle-orm/d1";
import { and, desc, eq, gt, sql } from "drizzle-orm";
import { leadProjection } from "./schema";

/** Leads per score bucket of ten ([0,10) … [90,100), then 100 and over), from the projection. */
export async function scoreHistogram(db: D1Database, namespaceId: string): Promise<number[]> {
  const bucket = sql<number>`min(10, max(0, cast(${leadProjection.score} / 10 as integer)))`;
  const rows = await drizzle(db)
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
  return drizzle(db)
    .select()
    .from(leadProjection)
    .where(and(eq(leadProjection.namespaceId, namespaceId), gt(leadProjection.lastActivity, since), gt(leadProjection.velocity, 0)))
    .orderBy(desc(leadProjection.velocity), desc(leadProjection.score))
    .limit(limit)
    .all();
}
