import { forgetModelInUse } from "../db/model-in-use";
import { projectedLeadIds } from "../db/projection";
import {
  finishRun,
  loadOutcomes,
  loadRun,
  markRunFitting,
  runExamplePages,
  runTotals,
  saveModel,
  startRun,
  storeExamplePage,
  type PredictionRun,
  runSpecJson,
  type RunSpec,
} from "../db/prediction";
import { snapshotPlan, type Example } from "../predict/examples";
import { trainModel } from "../predict/train";
import { leadStub } from "../leads/lead-stub";

/** Leads whose examples one job message gathers; each message then queues the next page. */
export const TRAINING_PAGE_SIZE = 100;

export type PredictionStep =
  | { kind: "predict-collect"; runId: string; namespaceId: string; page: number; afterLeadId: string | null }
  | { kind: "predict-fit"; runId: string; namespaceId: string };

/**
 * Starts a training run of the namespace at `now` (outcomes must be
 * declared): fixes its outcome and moments, then queues its first page.
 * Answers the unfinished run instead when there is one.
 */
export async function startTraining(env: Env, namespaceId: string, trigger: "api" | "cron", now: number): Promise<{ run: PredictionRun } | { busy: PredictionRun } | null> {
  const outcome = await loadOutcomes(env.DB, namespaceId);
  if (!outcome) return null;
  const spec: RunSpec = { outcome, plan: snapshotPlan(now), trainedAt: now };
  const started = await startRun(env.DB, namespaceId, trigger, spec);
  if ("run" in started) await env.JOBS.send({ kind: "predict-collect", runId: started.run.id, namespaceId, page: 0, afterLeadId: null } satisfies PredictionStep);
  return started;
}

/**
 * One step of a run. A collect step asks a page of the namespace's leads
 * (from the D1 projection: erased and merged-away leads are not there) for
 * their examples, stores them and queues the next page, or the fit once the
 * leads are done. The fit trains on every page and stores the model or why
 * there is none. Every step may run twice (queue retries) to the same effect.
 */
export async function runPredictionStep(step: PredictionStep, env: Env): Promise<void> {
  const run = await loadRun(env.DB, step.runId);
  if (!run || run.namespaceId !== step.namespaceId || run.status === "completed" || run.status === "failed") return;
  const spec = runSpecJson.parse(run.spec);
  if (step.kind === "predict-collect") {
    const leadIds = await projectedLeadIds(env.DB, step.namespaceId, step.afterLeadId, TRAINING_PAGE_SIZE);
    const found = await Promise.all(
      leadIds.map((id) => leadStub(env, id).predictionExamples(step.namespaceId, spec.outcome, spec.plan)),
    );
    const examples: Example[] = found.flatMap((e) => (e ?? []) as Example[]);
    await storeExamplePage(env.DB, run.id, step.page, examples, found.filter((e) => e !== null).length);
    const next: PredictionStep =
      leadIds.length < TRAINING_PAGE_SIZE
        ? { kind: "predict-fit", runId: run.id, namespaceId: step.namespaceId }
        : { kind: "predict-collect", runId: run.id, namespaceId: step.namespaceId, page: step.page + 1, afterLeadId: leadIds.at(-1)! };
    await env.JOBS.send(next);
    return;
  }
  await markRunFitting(env.DB, run.id);
  const totals = await runTotals(env.DB, run.id);
  const outcome = await trainModel(runExamplePages(env.DB, run), spec.outcome.events, spec.trainedAt);
  await saveModel(env.DB, step.namespaceId, run.id, spec.trainedAt, outcome);
  forgetModelInUse(step.namespaceId);
  await finishRun(env.DB, run.id, { status: "completed", ...totals });
}
