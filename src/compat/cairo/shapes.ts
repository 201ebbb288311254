/** Pure mappings from core answers to Cairo's shapes (seeds 000 and 004). */
import type { describeSyncJob } from "../../outreach/job-view";

type CoreJob = ReturnType<typeof describeSyncJob>;

function etaText(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/**
 * `GET /api/full-sync/status/:id`: seed 000's `{success, data: {id, status,
 * progress {processed, total, percentage, eta}, result}}`, with seed 004's
 * flat `jobId`, `status`, `progress.processed_items…` and `summary` beside it.
 */
export function seedJobStatus(job: CoreJob) {
  // `users`: people are not counted (a sync reads activity page by page and keeps no list of whom it saw; MIGRATING.md).
  const platforms = Object.fromEntries(
    Object.entries(job.platforms).map(([platform, p]) => [platform, { users: null, events: p.imported, accounts: p.accounts, read: p.read, duplicates: p.duplicates }]),
  );
  const running = job.status === "in_progress";
  return {
    success: true,
    jobId: job.id,
    status: job.status,
    data: {
      id: job.id,
      status: running ? "running" : job.status,
      mode: job.mode.toUpperCase(),
      progress: { processed: job.processed, total: job.total, percentage: job.percentage, eta: etaText(job.etaSeconds) },
      result: { platforms },
      errors: job.errors,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
    },
    progress: {
      percentage: job.percentage,
      processed_items: job.processed,
      total_items: job.total,
      current_stage: running ? "processing" : job.status,
      eta_minutes: job.etaSeconds === null ? null : Math.ceil(job.etaSeconds / 60),
    },
    summary: {
      events_created: Object.values(job.platforms).reduce((n, p) => n + p.imported, 0),
      users_processed: null,
      activities_read: job.processed,
      errors: job.errors.length,
      duration_ms: job.startedAt ? (job.finishedAt ? Date.parse(job.finishedAt) : Date.now()) - Date.parse(job.startedAt) : 0,
    },
  };
}

/** `POST /api/full-sync/execute(-async)`: seed 004's answer; `progressUrl` is relative to the Cairo base URL, as the seed's. */
export function seedJobStarted(job: CoreJob) {
  return {
    success: true,
    jobId: job.id,
    status: job.status,
    config: { platforms: job.config.platforms, syncMode: job.mode, namespaces: job.config.namespaces, batchSize: job.config.batchSize, rateLimitDelay: job.config.rateLimitDelay ?? null },
    estimatedDuration: null,
    progressUrl: `/api/full-sync/status/${job.id}`,
    data: { id: job.id, status: job.status },
  };
}
