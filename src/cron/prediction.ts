import { failStaleRuns, namespacesDueForTraining, pruneRuns } from "../db/prediction";
import { startTraining } from "../queues/prediction";

/** Each namespace with outcomes declared trains once a day. */
export const TRAINING_INTERVAL_MS = 24 * 60 * 60_000;
/** A run whose last step is this old is given up (its queue messages ran out of retries). */
export const STALE_RUN_MS = 60 * 60_000;
/** Finished runs are kept this long (the latest of each namespace always). */
export const KEEP_RUNS_MS = 30 * 24 * 60 * 60_000;

/** The Cron Trigger's part for the predictive score: gives up stale runs, then starts a run for every namespace due. */
export async function runScheduledTraining(env: Env, scheduledTime: number): Promise<{ started: string[]; failed: number }> {
  const failed = await failStaleRuns(env.DB, scheduledTime - STALE_RUN_MS);
  const started: string[] = [];
  for (const namespaceId of await namespacesDueForTraining(env.DB, scheduledTime, TRAINING_INTERVAL_MS)) {
    const run = await startTraining(env, namespaceId, "cron", scheduledTime);
    if (run && "run" in run) started.push(namespaceId);
  }
  await pruneRuns(env.DB, scheduledTime - KEEP_RUNS_MS);
  return { started, failed };
}
