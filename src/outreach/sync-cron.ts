import { listAccounts } from "./store";
import { listNamespaces } from "../db/tenants";
import { createSyncJob, pruneCronJobs } from "./sync-store";
import { enqueueStep } from "./sync-queue";
import { DEFAULT_BATCH_SIZE } from "./sync-jobs";
import { syncIsDue } from "./schedule";

/** Finished cron jobs are kept this long for GET /api/sync/jobs. */
const KEEP_CRON_JOBS_MS = 7 * 24 * 60 * 60_000;

/**
 * The Cron Trigger: a delta sync of every connected account that is due by
 * its schedule (see syncIsDue) from its stored watermark, one job per
 * account, skipping an account whose previous sync still runs.
 */
export async function runScheduledSyncs(env: Env, scheduledTime: number): Promise<{ started: string[]; skipped: string[] }> {
  const started: string[] = [];
  const skipped: string[] = [];
  const names = new Map((await listNamespaces(env.DB)).map((n) => [n.id, n.name]));
  for (const account of await listAccounts(env.DB)) {
    if (!syncIsDue(account, scheduledTime)) {
      skipped.push(account.id);
      continue;
    }
    const created = await createSyncJob(env.DB, {
      ownerNamespaceId: account.namespaceId,
      trigger: "cron",
      mode: "delta_since_last",
      config: { platforms: [account.platform], namespaces: [names.get(account.namespaceId) ?? account.namespaceId], batchSize: DEFAULT_BATCH_SIZE },
      accounts: [account],
    });
    if ("busy" in created) {
      skipped.push(account.id);
      continue;
    }
    for (const task of created.tasks) await enqueueStep(env, task);
    started.push(account.id);
  }
  await pruneCronJobs(env.DB, KEEP_CRON_JOBS_MS);
  return { started, skipped };
}
