import { loadScoringConfig, recordRescoreProgress, type RescorePage } from "../db/scoring";
import { projectedLeadIds } from "../db/projection";
import { runPredictionStep, type PredictionStep } from "./prediction";
import { leadStub } from "../leads/lead-stub";

/** Leads rescored per job message; each message then queues the next page. */
export const RESCORE_PAGE_SIZE = 100;

export type JobMessage = RescorePage | PredictionStep;

/**
 * Runs rescore jobs a page at a time: every lead of the page is brought to
 * the job's scoring version (the config is read once per page and handed
 * over), progress is recorded, and the next page is queued before this
 * message is acknowledged. A page that fails is retried by the queue;
 * rescoring a lead twice gives the same result. Training runs of the
 * predictive score go through the same queue, one step per message.
 */
export async function consumeJobs(batch: MessageBatch<JobMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    if (message.body.kind !== "rescore") {
      // A step of a predictive-score training run (src/queues/prediction.ts).
      await runPredictionStep(message.body, env);
      message.ack();
      continue;
    }
    const page = message.body;
    const leadIds = await projectedLeadIds(env.DB, page.namespaceId, page.afterLeadId, RESCORE_PAGE_SIZE);
    const config = await loadScoringConfig(env.DB, page.namespaceId);
    await Promise.all(
      leadIds.map((id) => leadStub(env, id).applyScoring(page.namespaceId, page.scoringVersion, config)),
    );
    const done = leadIds.length < RESCORE_PAGE_SIZE;
    if (!done) await env.JOBS.send({ ...page, afterLeadId: leadIds.at(-1)! });
    await recordRescoreProgress(env.DB, page.jobId, leadIds.length, done);
    message.ack();
  }
}
