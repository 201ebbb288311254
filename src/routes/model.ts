import { Hono } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { outcomesBody } from "../schemas/prediction";
import { latestRun, loadModel, loadOutcomes, saveOutcomes, type PredictionRun, type StoredModel } from "../db/prediction";
import { startTraining } from "../queues/prediction";
import { leadPrediction } from "./lead-prediction";
import { HORIZON_DAYS } from "../predict/examples";
import { MIN_HOLDOUT_POSITIVES, MIN_POSITIVES, MIN_USEFUL_AUC } from "../predict/train";
import type { ModelAnswer, ShownModel, ShownRun } from "../contracts/model-answer";

/**
 * The predictive score of a namespace: what counts as converted, training
 * runs, and the evidence for the model (its holdout figures next to the
 * rules'). Training runs on the jobs queue, daily by the Cron Trigger or when
 * asked here; a request never trains.
 */
export const modelRoutes = new Hono<AppEnv>();

modelRoutes.get("/", async (c) => {
  const namespaceId = c.var.namespace.id;
  const [outcomes, stored, run] = await Promise.all([loadOutcomes(c.env.DB, namespaceId), loadModel(c.env.DB, namespaceId), latestRun(c.env.DB, namespaceId)]);
  return c.json({
    outcomes,
    horizonDays: HORIZON_DAYS,
    thresholds: { minPositives: MIN_POSITIVES, minHoldoutPositives: MIN_HOLDOUT_POSITIVES, minUsefulAuc: MIN_USEFUL_AUC },
    used: stored?.used ?? false,
    reason: reasonFor(outcomes !== null, stored, run),
    model: stored ? describeModel(stored) : null,
    run: run ? describeRun(run) : null,
  } satisfies ModelAnswer);
});

modelRoutes.get("/outcomes", async (c) => c.json({ outcomes: await loadOutcomes(c.env.DB, c.var.namespace.id) }));

modelRoutes.put("/outcomes", async (c) => {
  const outcomes = parseOrThrow(outcomesBody, await jsonBody(c));
  await saveOutcomes(c.env.DB, c.var.namespace.id, outcomes);
  return c.json({ outcomes });
});

/** One lead's conversion probability and the three features that moved it most. */
modelRoutes.get("/leads/:id", leadPrediction);

modelRoutes.post("/train", async (c) => {
  const started = await startTraining(c.env, c.var.namespace.id, "api", Date.now());
  if (!started) throw new ApiError(409, "no_outcomes", "declare what converted means first: PUT /api/model/outcomes with events and/or stages");
  if ("busy" in started) throw new ApiError(409, "training_running", "a training run of this namespace is still going", { run: describeRun(started.busy) });
  return c.json({ run: describeRun(started.run) }, 202);
});

function reasonFor(hasOutcomes: boolean, stored: StoredModel | null, run: PredictionRun | undefined): string {
  if (!hasOutcomes) return "no outcomes declared: PUT /api/model/outcomes says which events or stages mean converted";
  if (!stored) return run ? "the first training run has not finished yet" : "no training has run yet: the daily cron trains, or POST /api/model/train";
  return stored.reason;
}

function describeModel(stored: StoredModel): ShownModel {
  const base = { status: stored.status, trainedAt: new Date(stored.trainedAt).toISOString() };
  if (!("holdout" in stored.report)) return { ...base, counts: stored.report.counts };
  const { training, holdout, weights } = stored.report;
  return { ...base, training, holdout, weights };
}

function describeRun(run: PredictionRun): ShownRun {
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    pages: run.pages,
    leads: run.leads,
    examples: run.examples,
    error: run.error,
    startedAt: new Date(run.startedAt).toISOString(),
    updatedAt: new Date(run.updatedAt).toISOString(),
  };
}
