import { database } from "./database";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { leadProjection, namespaceScoring, rescoreJobs, scoringRules } from "./schema";
import { DEFAULT_SCORING, type ScoringConfig } from "../scoring/config";
import type { Condition, ScoringRule } from "../scoring/rules";
import type { IcpTable } from "../scoring/icp";
import { StoredJson } from "../stored-json";

const ruleConditionsJson = new StoredJson<Condition[]>();
const icpTableJson = new StoredJson<IcpTable>();

export interface RuleInput {
  event: string;
  points: number;
  conditions: Condition[];
  cap: number | null;
}

export interface RescoreJob {
  id: string;
  namespaceId: string;
  scoringVersion: number;
  status: "queued" | "running" | "completed";
  total: number;
  processed: number;
  createdAt: number;
  updatedAt: number;
}

/** The message that drives a rescore job, one page of leads at a time. */
export interface RescorePage {
  kind: "rescore";
  jobId: string;
  namespaceId: string;
  scoringVersion: number;
  afterLeadId: string | null;
}

const toRule = (row: typeof scoringRules.$inferSelect): ScoringRule => ({
  id: row.id,
  event: row.event,
  points: row.points,
  conditions: ruleConditionsJson.parse(row.conditions),
  cap: row.cap,
});

export async function listRules(db: D1Database, namespaceId: string): Promise<ScoringRule[]> {
  const rows = await database(db).select().from(scoringRules).where(eq(scoringRules.namespaceId, namespaceId)).orderBy(asc(scoringRules.createdAt), asc(scoringRules.id)).all();
  return rows.map(toRule);
}

export async function loadScoringConfig(db: D1Database, namespaceId: string): Promise<ScoringConfig> {
  const [settings, rules] = await Promise.all([
    database(db).select().from(namespaceScoring).where(eq(namespaceScoring.namespaceId, namespaceId)).get(),
    listRules(db, namespaceId),
  ]);
  if (!settings) return { ...DEFAULT_SCORING, rules };
  return {
    version: settings.version,
    rules,
    icpTable: settings.icpTable ? icpTableJson.parse(settings.icpTable) : DEFAULT_SCORING.icpTable,
    retentionDays: settings.retentionDays ?? null,
  };
}

export async function scoringVersion(db: D1Database, namespaceId: string): Promise<number> {
  const row = await database(db).select({ version: namespaceScoring.version }).from(namespaceScoring).where(eq(namespaceScoring.namespaceId, namespaceId)).get();
  return row?.version ?? 0;
}

type Change =
  | { kind: "create"; rule: RuleInput }
  | { kind: "update"; id: string; rule: RuleInput }
  | { kind: "delete"; id: string }
  | { kind: "icp"; table: IcpTable | null }
  | { kind: "retention"; days: number | null }
  /** Nothing changes but the version: every lead is scored again (Cairo's on-demand scoring). */
  | { kind: "rescore" };

/**
 * Applies one scoring change (retention counts as one: it travels to the lead
 * objects with the scoring config), bumps the namespace's scoring version and
 * records a rescore job, all in one D1 batch (atomic). Returns the job and,
 * for create/update, the rule; null when the rule id does not exist.
 */
export async function changeScoring(
  db: D1Database,
  namespaceId: string,
  change: Change,
): Promise<{ job: RescoreJob; rule?: ScoringRule } | null> {
  const orm = database(db);
  const now = Date.now();
  if (change.kind === "update" || change.kind === "delete") {
    const exists = await orm.select({ id: scoringRules.id }).from(scoringRules).where(and(eq(scoringRules.id, change.id), eq(scoringRules.namespaceId, namespaceId))).get();
    if (!exists) return null;
  }
  const version = (await scoringVersion(db, namespaceId)) + 1;
  const total = await orm.select({ n: sql<number>`count(*)` }).from(leadProjection).where(eq(leadProjection.namespaceId, namespaceId)).get();
  const job: RescoreJob = { id: crypto.randomUUID(), namespaceId, scoringVersion: version, status: "queued", total: total?.n ?? 0, processed: 0, createdAt: now, updatedAt: now };
  let rule: ScoringRule | undefined;
  const ruleStatement = (() => {
    switch (change.kind) {
      case "create": {
        rule = { id: crypto.randomUUID(), ...change.rule };
        return orm.insert(scoringRules).values({ ...rule, namespaceId, conditions: ruleConditionsJson.stringify(rule.conditions), createdAt: now, updatedAt: now });
      }
      case "update":
        rule = { id: change.id, ...change.rule };
        return orm
          .update(scoringRules)
          .set({ ...change.rule, conditions: ruleConditionsJson.stringify(change.rule.conditions), updatedAt: now })
          .where(and(eq(scoringRules.id, change.id), eq(scoringRules.namespaceId, namespaceId)));
      case "delete":
        return orm.delete(scoringRules).where(and(eq(scoringRules.id, change.id), eq(scoringRules.namespaceId, namespaceId)));
      case "icp":
        return orm
          .insert(namespaceScoring)
          .values({ namespaceId, version: 0, icpTable: change.table ? icpTableJson.stringify(change.table) : null, updatedAt: now })
          .onConflictDoUpdate({ target: namespaceScoring.namespaceId, set: { icpTable: change.table ? icpTableJson.stringify(change.table) : null, updatedAt: now } });
      case "rescore":
        return undefined;
      case "retention":
        return orm
          .insert(namespaceScoring)
          .values({ namespaceId, version: 0, icpTable: null, retentionDays: change.days, updatedAt: now })
          .onConflictDoUpdate({ target: namespaceScoring.namespaceId, set: { retentionDays: change.days, updatedAt: now } });
    }
  })();
  const bump = orm
    .insert(namespaceScoring)
    .values({ namespaceId, version, icpTable: null, updatedAt: now })
    .onConflictDoUpdate({ target: namespaceScoring.namespaceId, set: { version: sql`${namespaceScoring.version} + 1`, updatedAt: now } });
  const record = orm.insert(rescoreJobs).values(job);
  if (ruleStatement) await orm.batch([ruleStatement, bump, record]);
  else await orm.batch([bump, record]);
  return { job, rule };
}

export async function latestRescoreJob(db: D1Database, namespaceId: string): Promise<RescoreJob | undefined> {
  return database(db).select().from(rescoreJobs).where(eq(rescoreJobs.namespaceId, namespaceId)).orderBy(desc(rescoreJobs.createdAt)).limit(1).get();
}

export async function recordRescoreProgress(db: D1Database, jobId: string, processed: number, done: boolean): Promise<void> {
  await database(db)
    .update(rescoreJobs)
    .set({ processed: sql`${rescoreJobs.processed} + ${processed}`, status: done ? "completed" : "running", updatedAt: Date.now() })
    .where(eq(rescoreJobs.id, jobId));
}
