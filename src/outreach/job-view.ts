import { syncJobConfigJson, taskErrorsJson, type SyncJob, type SyncTask } from "./sync-store";
import type { SyncJobConfig } from "../schemas/sync";
import { PLATFORMS } from "./types";
import type { ShownSyncJob } from "../contracts/outreach-views";

/** A sync job as the API and its callback show it: progress summed over its tasks. */
export function describeSyncJob(job: SyncJob, tasks: readonly SyncTask[], now = Date.now()): ShownSyncJob {
  const processed = sum(tasks, (t) => t.read);
  const finished = !["queued", "in_progress"].includes(job.status);
  // A task's total is known once the tool said it (Smartlead) or once it has read everything.
  const totals = tasks.map((t) => (t.status === "completed" ? t.read : t.total));
  const total = totals.every((n) => n !== null) ? sum(totals, (n) => n!) : null;
  const percentage = job.status === "completed" ? 100 : total ? Math.min(100, Math.round((processed / total) * 1000) / 10) : total === 0 ? 0 : null;
  const elapsed = job.startedAt ? now - job.startedAt : 0;
  const etaSeconds = !finished && total !== null && processed > 0 && elapsed > 0 ? Math.max(0, Math.round(((total - processed) * elapsed) / processed / 1000)) : null;
  const platforms = Object.fromEntries(
    PLATFORMS.filter((p) => tasks.some((t) => t.platform === p)).map((p) => {
      const mine = tasks.filter((t) => t.platform === p);
      return [p, { accounts: mine.length, read: sum(mine, (t) => t.read), imported: sum(mine, (t) => t.imported), duplicates: sum(mine, (t) => t.duplicates) }];
    }),
  );
  return {
    id: job.id,
    status: job.status,
    trigger: job.trigger,
    mode: job.mode,
    config: syncJobConfigJson.parse(job.config),
    processed,
    total,
    percentage,
    etaSeconds,
    platforms,
    accounts: tasks.map((t) => ({
      accountId: t.accountId,
      platform: t.platform,
      status: t.status,
      read: t.read,
      imported: t.imported,
      duplicates: t.duplicates,
      pages: t.step,
      position: t.position === null ? null : JSON.parse(t.position),
    })),
    errors: tasks.flatMap((t) => taskErrorsJson.parse(t.errors).map((e) => ({ accountId: t.accountId, ...e }))),
    callback: job.callbackState,
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: job.startedAt ? new Date(job.startedAt).toISOString() : null,
    finishedAt: job.finishedAt ? new Date(job.finishedAt).toISOString() : null,
  };
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((n, item) => n + pick(item), 0);
}
