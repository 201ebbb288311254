import { database } from "./database";
import type { CompanyRow } from "../leads/company";
import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, isNotNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { leadProjection, leadTombstones, namespaceScoring } from "./schema";
import { chunksOf, writeInChunks } from "./batch";
import type { ProjectionMessage, ProjectionUpsert } from "../contracts/projection-queue";
import { COMPANY_SORTS, GRADE_ORDER, LEAD_SORTS, STAGE_ORDER } from "../contracts/lead-lists";
import type { NamespaceStats } from "../contracts/lead-insights";

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
  ["company", "company"],
  ["name", "name"],
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
  const orm = database(db);
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
  const versions = await database(db)
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

export type LeadSort = (typeof LEAD_SORTS)[number];

/** A rank 0…n-1 by the given order (constants only: never user input). */
const rankOf = (column: SQL | typeof leadProjection.stage, order: readonly string[]) =>
  sql<number>`(CASE ${column} ${sql.raw(order.map((v, i) => `WHEN '${v}' THEN ${i}`).join(" "))} ELSE -1 END)`;

/**
 * Lower-cased text, and no company at all as U+10FFFF (above any text), so
 * leads without one come last A→Z. SQLite's lower() folds ASCII only; the
 * grouping and the company filter use the same, so they agree.
 */
const companyKey = sql<string>`coalesce(lower(${leadProjection.company}), char(1114111))`;

function leadSortValue(sort: LeadSort): SQL<number | string> {
  switch (sort) {
    case "score":
      return sql<number>`${leadProjection.score}`;
    case "engagement":
      return sql<number>`${leadProjection.behaviourScore}`;
    case "fit":
      return sql<number>`${leadProjection.icpScore}`;
    case "stage":
      return rankOf(sql`${leadProjection.stage}`, STAGE_ORDER);
    case "grade":
      return rankOf(sql`${leadProjection.grade}`, GRADE_ORDER);
    case "velocity":
      return sql<number>`${leadProjection.velocity}`;
    case "conversion_probability":
      // A lead without one (no model in use at its last summary) sorts as -1: last, highest first.
      return sql<number>`coalesce(${leadProjection.conversionProbability}, -1)`;
    case "events":
      return sql<number>`${leadProjection.eventCount}`;
    case "last_activity":
      return sql<number>`coalesce(${leadProjection.lastActivity}, 0)`;
    case "first_seen":
      return sql<number>`coalesce(${leadProjection.firstSeen}, 0)`;
    case "company":
      return companyKey;
  }
}

/** `%text%` for LIKE, its own % _ and \ taken literally (with ESCAPE '\'). */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface LeadListQuery {
  stage?: string;
  grade?: string;
  minScore?: number;
  maxScore?: number;
  /** Last activity within [from, to], epoch ms, both ends included. */
  lastSeenFrom?: number;
  lastSeenTo?: number;
  /** Exactly this company (ASCII case-insensitive), as the company view groups them. */
  company?: string;
  /** Text in the email, user id, company or name. */
  q?: string;
  updatedSince?: number;
  sort: LeadSort;
  /** Highest first unless `asc`. */
  order?: "asc" | "desc";
  limit: number;
  cursor?: { value: number | string; leadId: string };
  /** Rows to skip (page-numbered lists; the cursor is cheaper for deep pages). */
  offset?: number;
}

export type ListedRow = ProjectedLead & { sortValue: number | string };

/**
 * Keyset pagination on (sort value, lead id) after the cursor, in the sort's
 * order (the lead id ascending breaks ties). The sort value is read back
 * with each row, so the next cursor is exactly what SQLite compared.
 *
 * Cost: the score, activity and stage filters use their indexes; every other
 * sort, the company filter and the text search (`q`, a LIKE with a leading
 * wildcard, which no index serves) read the namespace's rows through the
 * primary key, i.e. one D1 row read per lead of the namespace per page. That
 * is fine for the thousands of leads a namespace holds; there is
 * deliberately no index for them (each index costs a row written per summary).
 */
export async function listProjectedLeads(db: D1Database, namespaceId: string, q: LeadListQuery): Promise<ListedRow[]> {
  const sortValue = leadSortValue(q.sort);
  const asc_ = q.order === "asc";
  const filters: SQL[] = [eq(leadProjection.namespaceId, namespaceId)];
  if (q.stage) filters.push(eq(leadProjection.stage, q.stage));
  if (q.grade) filters.push(eq(leadProjection.grade, q.grade));
  if (q.minScore !== undefined) filters.push(gte(leadProjection.score, q.minScore));
  if (q.maxScore !== undefined) filters.push(lte(leadProjection.score, q.maxScore));
  if (q.lastSeenFrom !== undefined) filters.push(gte(leadProjection.lastActivity, q.lastSeenFrom));
  if (q.lastSeenTo !== undefined) filters.push(lte(leadProjection.lastActivity, q.lastSeenTo));
  if (q.company !== undefined) filters.push(sql`lower(${leadProjection.company}) = lower(${q.company})`);
  if (q.q) {
    const pattern = containing(q.q);
    filters.push(
      sql`(${leadProjection.email} LIKE ${pattern} ESCAPE '\\' OR ${leadProjection.userId} LIKE ${pattern} ESCAPE '\\' OR ${leadProjection.company} LIKE ${pattern} ESCAPE '\\' OR ${leadProjection.name} LIKE ${pattern} ESCAPE '\\')`,
    );
  }
  if (q.updatedSince !== undefined) filters.push(gte(leadProjection.updatedAt, q.updatedSince));
  if (q.cursor) {
    const beyond = asc_ ? gt(sortValue, q.cursor.value) : lt(sortValue, q.cursor.value);
    filters.push(or(beyond, and(eq(sortValue, q.cursor.value), gt(leadProjection.leadId, q.cursor.leadId)))!);
  }
  return database(db)
    .select({ ...getTableColumns(leadProjection), sortValue })
    .from(leadProjection)
    .where(and(...filters))
    .orderBy(asc_ ? asc(sortValue) : desc(sortValue), asc(leadProjection.leadId))
    .limit(q.limit)
    .offset(q.offset ?? 0)
    .all();
}

export type CompanySort = (typeof COMPANY_SORTS)[number];

export interface CompanyListQuery {
  /** Text in the company's name. */
  q?: string;
  sort: CompanySort;
  order?: "asc" | "desc";
  limit: number;
  offset: number;
}

const companyAggregates = {
  /** One spelling of the company (they group ASCII case-insensitively). */
  company: sql<string>`max(${leadProjection.company})`,
  leads: sql<number>`count(*)`,
  scoreSum: sql<number>`round(sum(${leadProjection.score}), 2)`,
  scoreBest: sql<number>`max(${leadProjection.score})`,
  gradeRank: sql<number>`max(${rankOf(sql`${leadProjection.grade}`, GRADE_ORDER)})`,
  stageRank: sql<number>`max(${rankOf(sql`${leadProjection.stage}`, STAGE_ORDER)})`,
  events: sql<number>`sum(${leadProjection.eventCount})`,
  lastActivity: sql<number | null>`max(${leadProjection.lastActivity})`,
};

const companySortValue: Record<CompanySort, SQL> = {
  company: sql`lower(max(${leadProjection.company}))`,
  leads: sql`count(*)`,
  score_sum: sql`sum(${leadProjection.score})`,
  score_best: sql`max(${leadProjection.score})`,
  grade: sql`max(${rankOf(sql`${leadProjection.grade}`, GRADE_ORDER)})`,
  stage: sql`max(${rankOf(sql`${leadProjection.stage}`, STAGE_ORDER)})`,
  events: sql`sum(${leadProjection.eventCount})`,
  last_activity: sql`coalesce(max(${leadProjection.lastActivity}), 0)`,
};

type CompanyAggregate = { [K in keyof typeof companyAggregates]: (typeof companyAggregates)[K]["_"]["type"] };

const toCompanyRow = (r: CompanyAggregate): CompanyRow => ({
  company: r.company,
  leads: r.leads,
  scoreSum: r.scoreSum,
  scoreBest: r.scoreBest,
  bestGrade: GRADE_ORDER[r.gradeRank] ?? "F",
  bestStage: STAGE_ORDER[r.stageRank] ?? "cold",
  events: r.events,
  lastActivity: r.lastActivity === null ? null : new Date(r.lastActivity).toISOString(),
});

/**
 * The namespace's leads grouped by company (leads without one are left
 * out), a page at a time by offset, with the number of companies. Each page
 * groups the namespace's rows afresh (one D1 row read per lead with a
 * company), which an operator's occasional look can afford; no index or
 * second table is kept for it.
 */
export async function listCompanies(db: D1Database, namespaceId: string, q: CompanyListQuery): Promise<{ companies: CompanyRow[]; total: number }> {
  const orm = database(db);
  const filters: SQL[] = [eq(leadProjection.namespaceId, namespaceId), isNotNull(leadProjection.company)];
  if (q.q) filters.push(sql`${leadProjection.company} LIKE ${containing(q.q)} ESCAPE '\\'`);
  const sortValue = companySortValue[q.sort];
  const [rows, total] = await Promise.all([
    orm
      .select(companyAggregates)
      .from(leadProjection)
      .where(and(...filters))
      .groupBy(sql`lower(${leadProjection.company})`)
      .orderBy(q.order === "asc" ? asc(sortValue) : desc(sortValue), sql`lower(max(${leadProjection.company}))`)
      .limit(q.limit)
      .offset(q.offset)
      .all(),
    orm
      .select({ count: sql<number>`count(DISTINCT lower(${leadProjection.company}))` })
      .from(leadProjection)
      .where(and(...filters))
      .get(),
  ]);
  return { companies: rows.map(toCompanyRow), total: total?.count ?? 0 };
}

/** One company's account row (as listCompanies shows it), or null when no lead of the namespace has that company. */
export async function companySummary(db: D1Database, namespaceId: string, company: string): Promise<CompanyRow | null> {
  const row = await database(db)
    .select(companyAggregates)
    .from(leadProjection)
    .where(and(eq(leadProjection.namespaceId, namespaceId), sql`lower(${leadProjection.company}) = lower(${company})`))
    .get();
  return row && row.leads > 0 ? toCompanyRow(row) : null;
}

export async function leadsByStage(db: D1Database, namespaceId: string, perStage: number) {
  const orm = database(db);
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

export async function namespaceStats(db: D1Database, namespaceId: string): Promise<NamespaceStats> {
  const orm = database(db);
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
  const rows = await database(db)
    .select({ leadId: leadProjection.leadId })
    .from(leadProjection)
    .where(and(...filters))
    .orderBy(asc(leadProjection.leadId))
    .limit(limit)
    .all();
  return rows.map((r) => r.leadId);
}
