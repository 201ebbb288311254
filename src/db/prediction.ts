import { database } from "./database";
import { and, asc, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { predictionExamplePages, predictionModels, predictionOutcomes, predictionRuns } from "./schema";
import type { OutcomeDefinition } from "../predict/history";
import type { Example, SnapshotPlan } from "../predict/examples";
import type { ModelReport, PredictiveModel, TrainingOutcome } from "../predict/train";
import { StoredJson } from "../stored-json";

const namesJson = new StoredJson<string[]>();
const modelJson = new StoredJson<PredictiveModel>();
const reportJson = new StoredJson<StoredModel["report"]>();
/** A run's spec: written when the run starts, read by each step of the prediction queue. */
export const runSpecJson = new StoredJson<RunSpec>();
const examplePageJson = new StoredJson<{ leads: number; examples: Example[] }>();

export type PredictionRun = typeof predictionRuns.$inferSelect;

/** What a run trains for, fixed when it starts: every page reads the same outcome and moments. */
export interface RunSpec {
  outcome: OutcomeDefinition;
  plan: SnapshotPlan;
  trainedAt: number;
}

export async function loadOutcomes(db: D1Database, namespaceId: string): Promise<OutcomeDefinition | null> {
  const row = await database(db).select().from(predictionOutcomes).where(eq(predictionOutcomes.namespaceId, namespaceId)).get();
  return row ? { events: namesJson.parse(row.events), stages: namesJson.parse(row.stages) } : null;
}

export async function saveOutcomes(db: D1Database, namespaceId: string, outcome: OutcomeDefinition): Promise<void> {
  const values = { namespaceId, events: namesJson.stringify(outcome.events), stages: namesJson.stringify(outcome.stages), updatedAt: Date.now() };
  await database(db)
    .insert(predictionOutcomes)
    .values(values)
    .onConflictDoUpdate({ target: predictionOutcomes.namespaceId, set: { events: values.events, stages: values.stages, updatedAt: values.updatedAt } });
}

export interface StoredModel {
  status: "trained" | "insufficient";
  used: boolean;
  reason: string;
  model: PredictiveModel | null;
  /** The report of a trained model; the counts that fell short otherwise. */
  report: ModelReport | { counts: Extract<TrainingOutcome, { status: "insufficient" }>["counts"] };
  trainedAt: number;
  runId: string;
}

export async function loadModel(db: D1Database, namespaceId: string): Promise<StoredModel | null> {
  const row = await database(db).select().from(predictionModels).where(eq(predictionModels.namespaceId, namespaceId)).get();
  if (!row) return null;
  return {
    status: row.status,
    used: row.used,
    reason: row.reason,
    model: row.model ? modelJson.parse(row.model) : null,
    report: reportJson.parse(row.report),
    trainedAt: row.trainedAt,
    runId: row.runId,
  };
}

/** Replaces the namespace's model with what `runId` trained (a model, or why there is none). */
export async function saveModel(db: D1Database, namespaceId: string, runId: string, trainedAt: number, outcome: TrainingOutcome): Promise<void> {
  const values =
    outcome.status === "trained"
      ? { status: "trained" as const, used: outcome.report.used, reason: outcome.report.reason, model: modelJson.stringify(outcome.model), report: reportJson.stringify(outcome.report) }
      : { status: "insufficient" as const, used: false, reason: outcome.reason, model: null, report: reportJson.stringify({ counts: outcome.counts }) };
  await database(db)
    .insert(predictionModels)
    .values({ namespaceId, runId, trainedAt, ...values })
    .onConflictDoUpdate({ target: predictionModels.namespaceId, set: { runId, trainedAt, ...values } });
}

/** Starts a run unless one of the namespace's is unfinished (then answers that one as busy). */
export async function startRun(
  db: D1Database,
  namespaceId: string,
  trigger: "api" | "cron",
  spec: RunSpec,
): Promise<{ run: PredictionRun } | { busy: PredictionRun }> {
  const orm = database(db);
  const now = Date.now();
  const run: PredictionRun = {
    id: crypto.randomUUID(),
    namespaceId,
    activeNamespaceId: namespaceId,
    trigger,
    status: "collecting",
    spec: runSpecJson.stringify(spec),
    pages: 0,
    leads: 0,
    examples: 0,
    error: null,
    startedAt: now,
    updatedAt: now,
  };
  const inserted = await orm.insert(predictionRuns).values(run).onConflictDoNothing().returning({ id: predictionRuns.id });
  if (inserted.length > 0) return { run };
  const busy = await orm.select().from(predictionRuns).where(eq(predictionRuns.activeNamespaceId, namespaceId)).get();
  // The unfinished run ended between the two statements: try once more.
  return busy ? { busy } : startRun(db, namespaceId, trigger, spec);
}

export async function loadRun(db: D1Database, runId: string): Promise<PredictionRun | undefined> {
  return database(db).select().from(predictionRuns).where(eq(predictionRuns.id, runId)).get();
}

export async function latestRun(db: D1Database, namespaceId: string): Promise<PredictionRun | undefined> {
  return database(db).select().from(predictionRuns).where(eq(predictionRuns.namespaceId, namespaceId)).orderBy(desc(predictionRuns.startedAt)).limit(1).get();
}

/**
 * Stores one page's examples (a page given again replaces itself, so a
 * retried queue message counts once) and moves the run's counters on.
 */
export async function storeExamplePage(db: D1Database, runId: string, page: number, examples: readonly Example[], leads: number): Promise<void> {
  const orm = database(db);
  await orm.batch([
    orm
      .insert(predictionExamplePages)
      .values({ runId, page, examples: examplePageJson.stringify({ leads, examples }) })
      .onConflictDoUpdate({ target: [predictionExamplePages.runId, predictionExamplePages.page], set: { examples: examplePageJson.stringify({ leads, examples }) } }),
    orm
      .update(predictionRuns)
      .set({ pages: sql`max(${predictionRuns.pages}, ${page + 1})`, updatedAt: Date.now() })
      .where(eq(predictionRuns.id, runId)),
  ]);
}

/**
 * The run's pages, read one at a time in order (each read again by every
 * pass of the fit), so the fit never holds more than one page of examples.
 */
export function runExamplePages(db: D1Database, run: Pick<PredictionRun, "id" | "pages">): () => AsyncIterable<Example[]> {
  return async function* () {
    for (let page = 0; page < run.pages; page++) {
      const row = await database(db)
        .select({ examples: predictionExamplePages.examples })
        .from(predictionExamplePages)
        .where(and(eq(predictionExamplePages.runId, run.id), eq(predictionExamplePages.page, page)))
        .get();
      if (row) yield examplePageJson.parse(row.examples).examples;
    }
  };
}

/** How many leads and examples the run's pages hold. */
export async function runTotals(db: D1Database, runId: string): Promise<{ leads: number; examples: number }> {
  const row = await db
    .prepare(
      `SELECT coalesce(sum(json_extract(examples, '$.leads')), 0) AS leads, coalesce(sum(json_array_length(examples, '$.examples')), 0) AS examples
       FROM prediction_example_pages WHERE run_id = ?`,
    )
    .bind(runId)
    .first<{ leads: number; examples: number }>();
  return { leads: row?.leads ?? 0, examples: row?.examples ?? 0 };
}

export async function markRunFitting(db: D1Database, runId: string): Promise<void> {
  await database(db).update(predictionRuns).set({ status: "fitting", updatedAt: Date.now() }).where(eq(predictionRuns.id, runId));
}

/** Ends the run (the namespace may start another) and drops its gathered examples. */
export async function finishRun(
  db: D1Database,
  runId: string,
  result: { status: "completed" | "failed"; leads: number; examples: number; error?: string },
): Promise<void> {
  const orm = database(db);
  await orm.batch([
    orm
      .update(predictionRuns)
      .set({ status: result.status, leads: result.leads, examples: result.examples, error: result.error ?? null, activeNamespaceId: null, updatedAt: Date.now() })
      .where(eq(predictionRuns.id, runId)),
    orm.delete(predictionExamplePages).where(eq(predictionExamplePages.runId, runId)),
  ]);
}

/**
 * Namespaces with outcomes declared whose last run started `intervalMs` or
 * more before `now` (or that never ran), and have none unfinished.
 */
export async function namespacesDueForTraining(db: D1Database, now: number, intervalMs: number): Promise<string[]> {
  const last = database(db)
    .select({
      namespaceId: predictionRuns.namespaceId,
      startedAt: sql<number>`max(${predictionRuns.startedAt})`.as("started_at"),
      active: sql<number>`max(${predictionRuns.activeNamespaceId} IS NOT NULL)`.as("active"),
    })
    .from(predictionRuns)
    .groupBy(predictionRuns.namespaceId)
    .as("last");
  const rows = await database(db)
    .select({ namespaceId: predictionOutcomes.namespaceId })
    .from(predictionOutcomes)
    .leftJoin(last, eq(last.namespaceId, predictionOutcomes.namespaceId))
    .where(or(isNull(last.namespaceId), and(lt(last.startedAt, now - intervalMs), eq(last.active, 0))))
    .all();
  return rows.map((r) => r.namespaceId);
}

/** Ends unfinished runs that have not moved since `before` (their queue messages were given up on), so the namespace can train again. */
export async function failStaleRuns(db: D1Database, before: number): Promise<number> {
  const orm = database(db);
  const stale = await orm
    .select({ id: predictionRuns.id, leads: predictionRuns.leads, examples: predictionRuns.examples })
    .from(predictionRuns)
    .where(and(sql`${predictionRuns.activeNamespaceId} IS NOT NULL`, lt(predictionRuns.updatedAt, before)))
    .all();
  for (const run of stale) await finishRun(db, run.id, { status: "failed", leads: run.leads, examples: run.examples, error: "the run stopped moving; it is given up and the next one starts afresh" });
  return stale.length;
}

/** Drops finished runs that started before `before` (the latest of each namespace stays, for GET /api/model). */
export async function pruneRuns(db: D1Database, before: number): Promise<void> {
  await db
    .prepare(
      `DELETE FROM prediction_runs WHERE active_namespace_id IS NULL AND started_at < ?1
       AND id NOT IN (SELECT id FROM prediction_runs r WHERE r.started_at = (SELECT max(started_at) FROM prediction_runs WHERE namespace_id = r.namespace_id))`,
    )
    .bind(before)
    .run();
}
