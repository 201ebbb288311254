import { drizzle } from "drizzle-orm/d1";
import { and, asc, desc, eq, gt, gte, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { leadProjection, leadTombstones, namespaceScoring } from "./schema";
import { chunksOf, writeInChunks } from "./batch";
import type { ProjectionMessage, ProjectionUpsert } from "../queues/projection";

/** Columns of lead_projection and the summary field each is read from. */
const UPSERT_COLUMNS: ReadonlyArray<[column: string, field: keyof ProjectionUpsert | "updatedAt"]> = [
  ["namespace_id", "namespaceId"],
  ["lead_id", "leadId"],
  ["score", "score"],
  ["behaviour_score", "behaviourScore"],
  ["icp_score", "icpScore"],
  ["stage", "stage"],
  ["grade", "grade"],
  ["velocity", "velocity"],
  ["event_count", "eventCount"],
  ["user_id", "userId"],
  ["email", "email"],
  ["first_seen", "firstSeen"],
  ["last_activity", "lastActivity"],
  ["recent_hours", "recentHours"],
  ["conversion_probability", "conversionProbability"],
  ["conversion_features", "conversionFeatures"],
  ["scoring_version", "scoringVersion"],
  ["version", "version"],
  ["updated_at", "updatedAt"],
];

/** Summaries per statement: each is a few hundred bytes of JSON, well under D1's 100 KB statement and 2 MB value limits. */
const UPSERT_CHUNK = 100;

/**
 * Writes summaries in one statement per (up to) 100 of them: the rows travel
 * as one JSON parameter (`json_each`), so a queue batch costs one D1 query
 * instead of one per five rows. A row is only replaced by a higher version,
 * and a lead with a tombstone (merged away or erased) is never written, so a
 * redelivered or late summary can neither go backwards nor bring it back.
 */
export async function upsertProjection(db: D1Database, rows: readonly ProjectionUpsert[]): Promise<void> {
  if (rows.length === 0) return;
  const now = Date.now();
  const columns = UPSERT_COLUMNS.map(([column]) => column).join(", ");
  const fields = UPSERT_COLUMNS.map(([, field]) => `json_extract(value, '$.${field}')`).join(", ");
  const updates = UPSERT_COLUMNS.filter(([column]) => column !== "namespace_id" && column !== "lead_id")
    .map(([column]) => `${column} = excluded.${column}`)
    .join(", ");
  const statement = db.prepare(
    `INSERT INTO lead_projection (${columns})
     SELECT ${fields} FROM json_each(?1)
     WHERE NOT EXISTS (SELECT 1 FROM lead_tombstones t WHERE t.lead_id = json_extract(value, '$.leadId'))
     ON CONFLICT (namespace_id, lead_id) DO UPDATE SET ${updates}
     WHERE excluded.version > lead_projection.version`,
  );
  const latest = new Map<string, ProjectionUpsert>();
  // Two summaries of one lead in a batch: only the newest can win, and one statement must not name a row twice.
  for (const row of rows) if ((latest.get(row.leadId)?.version ?? -Infinity) < row.version) latest.set(row.leadId, row);
  const values = [...latest.values()].map(({ kind: _kind, ...row }) => ({ ...row, updatedAt: now }));
  const [first, ...rest] = chunksOf(values, UPSERT_CHUNK).map((chunk) => statement.bind(JSON.stringify(chunk)));
  if (first) await db.batch([first, ...rest]);
}

/** Removes merged-away leads, leaving a tombstone so a late summary cannot bring them back. */
export async function deleteProjection(db: D1Database, rows: readonly Extract<ProjectionMessage, { kind: "delete" }>[]): Promise<void> {
  if (rows.length === 0) return;
  const orm = drizzle(db);
  const now = Date.now();
  await writeInChunks(
    orm,
    rows,
    4,
    (chunk) =>
      orm
        .insert(leadTombstones)
        .values(chunk.map((r) => ({ leadId: r.leadId, namespaceId: r.namespaceId, reason: "merged" as const, at: now })))
        .onConflictDoNothing(),
    rows.map((r) => orm.delete(leadProjection).where(and(eq(leadProjection.namespaceId, r.namespaceId), eq(leadProjection.leadId, r.leadId)))),
  );
}

/** The leads of this batch whose scoring version trails their namespace's, with the version to reach. */
export async function staleScoringLeads(db: D1Database, rows: readonly ProjectionUpsert[]) {
  if (rows.length === 0) return [];
  const namespaceIds = [...new Set(rows.map((r) => r.namespaceId))];
  const versions = await drizzle(db)
    .select({ namespaceId: namespaceScoring.namespaceId, version: namespaceScoring.version })
    .from(namespaceScoring)
    .where(inArray(namespaceScoring.namespaceId, namespaceIds))
    .all();
  const current = new Map(versions.map((v) => [v.namespaceId, v.version]));
  return rows
    .filter((r) => (current.get(r.namespaceId) ?? 0) > r.scoringVersion)
    .map((r) => ({ namespaceId: r.namespaceId, leadId: r.leadId, version: current.get(r.namespaceId)! }));
}

export type ProjectedLead = typeof leadProjection.$inferSelect;

/** What a lead list is ordered by, highest first. */
export type LeadSort = "score" | "last_activity" | "conversion_probability";

/** A row's value under the sort, as the cursor holds it (a lead without a probability sorts last, as -1). */
export function sortValueOf(row: ProjectedLead, sort: LeadSort): number {
  if (sort === "score") return row.score;
  if (sort === "last_activity") return row.lastActivity ?? 0;
  return row.conversionProbability ?? -1;
}

function sortColumn(sort: LeadSort): SQL<number> {
  if (sort === "score") return sql<number>`${leadProjection.score}`;
  if (sort === "last_activity") return sql<number>`coalesce(${leadProjection.lastActivity}, 0)`;
  // No index (each would cost a row written per summary): the namespace's rows are read and sorted.
  return sql<number>`coalesce(${leadProjection.conversionProbability}, -1)`;
}

export interface LeadListQuery {
  stage?: string;
  grade?: string;
  minScore?: number;
  updatedSince?: number;
  sort: LeadSort;
  limit: number;
  cursor?: { value: number; leadId: string };
  /** Rows to skip (page-numbered lists; the cursor is cheaper for deep pages). */
  offset?: number;
}

/** Keyset pagination, highest first: (sort value, lead id) after the cursor. */
export async function listProjectedLeads(db: D1Database, namespaceId: string, q: LeadListQuery): Promise<ProjectedLead[]> {
  const sortValue = sortColumn(q.sort);
  const filters: SQL[] = [eq(leadProjection.namespaceId, namespaceId)];
  if (q.stage) filters.push(eq(leadProjection.stage, q.stage));
  if (q.grade) filters.push(eq(leadProjection.grade, q.grade));
  if (q.minScore !== undefined) filters.push(gte(leadProjection.score, q.minScore));
  if (q.updatedSince !== undefined) filters.push(gte(leadProjection.updatedAt, q.updatedSince));
  if (q.cursor) {
    filters.push(or(lt(sortValue, q.cursor.value), and(eq(sortValue, q.cursor.value), gt(leadProjection.leadId, q.cursor.leadId)))!);
  }
  return drizzle(db)
    .select()
    .from(leadProjection)
    .where(and(...filters))
    .orderBy(desc(sortValue), asc(leadProjection.leadId))
    .limit(q.limit)
    .offset(q.offset ?? 0)
    .all();
}

export async function leadsByStage(db: D1Database, namespaceId: string, perStage: number) {
  const orm = drizzle(db);
  const counts = await orm
    .select({ stage: leadProjection.stage, count: sql<number>`count(*)`, averageScore: sql<number>`round(avg(${leadProjection.score}), 2)` })
    .from(leadProjection)
    .where(eq(leadProjection.namespaceId, namespaceId))
    .groupBy(leadProjection.stage)
    .all();
  const stages = ["qualified", "hot", "warm", "cold"] as const;
  return Promise.all(
    stages.map(async (stage) => {
      const row = counts.find((c) => c.stage === stage);
      const top = await orm
        .select()
        .from(leadProjection)
        .where(and(eq(leadProjection.namespaceId, namespaceId), eq(leadProjection.stage, stage)))
        .orderBy(desc(leadProjection.score), asc(leadProjection.leadId))
        .limit(perStage)
        .all();
      return { stage, count: row?.count ?? 0, averageScore: row?.averageScore ?? 0, leads: top };
    }),
  );
}

export async function namespaceStats(db: D1Database, namespaceId: string) {
  const orm = drizzle(db);
  const where = eq(leadProjection.namespaceId, namespaceId);
  const [totals, byStage, byGrade] = await Promise.all([
    orm
      .select({
        leads: sql<number>`count(*)`,
        events: sql<number>`coalesce(sum(${leadProjection.eventCount}), 0)`,
        averageScore: sql<number>`coalesce(round(avg(${leadProjection.score}), 2), 0)`,
        lastActivity: sql<number | null>`max(${leadProjection.lastActivity})`,
        projectedAt: sql<number | null>`max(${leadProjection.updatedAt})`,
      })
      .from(leadProjection)
      .where(where)
      .get(),
    orm.select({ stage: leadProjection.stage, count: sql<number>`count(*)` }).from(leadProjection).where(where).groupBy(leadProjection.stage).all(),
    orm.select({ grade: leadProjection.grade, count: sql<number>`count(*)` }).from(leadProjection).where(where).groupBy(leadProjection.grade).all(),
  ]);
  return {
    leads: totals?.leads ?? 0,
    events: totals?.events ?? 0,
    averageScore: totals?.averageScore ?? 0,
    lastActivity: totals?.lastActivity ? new Date(totals.lastActivity).toISOString() : null,
    projectedAt: totals?.projectedAt ? new Date(totals.projectedAt).toISOString() : null,
    byStage: Object.fromEntries(byStage.map((r) => [r.stage, r.count])),
    byGrade: Object.fromEntries(byGrade.map((r) => [r.grade, r.count])),
  };
}

/** One page of a namespace's lead ids, for rescore jobs. */
export async function projectedLeadIds(db: D1Database, namespaceId: string, afterLeadId: string | null, limit: number): Promise<string[]> {
  const filters: SQL[] = [eq(leadProjection.namespaceId, namespaceId)];
  if (afterLeadId) filters.push(gt(leadProjection.leadId, afterLeadId));
  const rows = await drizzle(db)
    .select({ leadId: leadProjection.leadId })
    .from(leadProjection)
    .where(and(...filters))
    .orderBy(asc(leadProjection.leadId))
    .limit(limit)
    .all();
  return rows.map((r) => r.leadId);
}
