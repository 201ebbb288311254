import type { RescoreJob } from "../db/scoring";
import type { ShownRescoreJob } from "../contracts/rescore-job";

/** Queues the first page of a rescore job (src/queues/jobs.ts pages through the namespace's leads). */
export async function startRescore(env: Env, job: RescoreJob): Promise<void> {
  await env.JOBS.send({ kind: "rescore", jobId: job.id, namespaceId: job.namespaceId, scoringVersion: job.scoringVersion, afterLeadId: null });
}

/** A rescore job as the API shows it. */
export function describeJob(job: RescoreJob): ShownRescoreJob {
  return {
    id: job.id,
    status: job.status,
    scoringVersion: job.scoringVersion,
    total: job.total,
    processed: job.processed,
    percentage: job.total === 0 ? (job.status === "completed" ? 100 : 0) : Math.min(100, Math.round((job.processed / job.total) * 100)),
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
  };
}
