/**
 * Cairo's legacy sync routes (seed 000: `GET /initial-sync`, `/delta-sync`,
 * `/sync-status`): a GET that starts a sync, as Cairo's did, of the caller's
 * accounts (the admin token: the hub's, whose activity routes to every
 * client). They start the core's sync jobs, like the full-sync routes.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { listAccounts } from "../../outreach/store";
import { listSyncJobs, tasksOf } from "../../outreach/sync-store";
import { startSyncJob } from "../../outreach/sync-jobs";
import { describeSyncJob } from "../../outreach/job-view";
import type { SyncMode } from "../../schemas/sync";
import { cairoNamespace } from "./hub";
import { seedJobStarted, seedJobStatus } from "./shapes";

export const cairoLegacySync = new Hono<AppEnv>();

async function startLegacySync(c: Context<AppEnv>, mode: SyncMode) {
  const namespace = await cairoNamespace(c);
  const accounts = await listAccounts(c.env.DB, [namespace.id]);
  const platforms = [...new Set(accounts.map((a) => a.platform))];
  if (platforms.length === 0) throw new ApiError(422, "no_accounts", `namespace ${namespace.name} has no connected Lemlist or Smartlead account (POST /api/accounts)`);
  // As the namespace itself (its own accounts, its job), whoever calls: so its history shows the job.
  const { job, tasks } = await startSyncJob(c.env, { kind: "namespace", namespace }, { mode, platforms, namespaces: [namespace.name], batchSize: 500 }).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 409) throw new ApiError(409, "SYNC_003", error.message, error.details);
    throw error;
  });
  const started = seedJobStarted(describeSyncJob(job, tasks));
  return c.json({ ...started, message: `${mode === "full_historical" ? "Initial" : "Delta"} sync started for ${namespace.name}` }, 202);
}

cairoLegacySync.get("/initial-sync", (c) => startLegacySync(c, "full_historical"));
cairoLegacySync.get("/delta-sync", (c) => startLegacySync(c, "delta_since_last"));

/** The namespace's accounts with their last sync, and its latest sync jobs. */
cairoLegacySync.get("/sync-status", async (c) => {
  const namespace = await cairoNamespace(c);
  const [accounts, jobs] = await Promise.all([listAccounts(c.env.DB, [namespace.id]), listSyncJobs(c.env.DB, namespace.id, 10)]);
  const tasks = await tasksOf(c.env.DB, jobs.map((j) => j.id));
  return c.json({
    success: true,
    data: {
      namespace: namespace.name,
      isRunning: jobs.some((j) => j.status === "queued" || j.status === "in_progress"),
      sources: accounts.map((a) => ({ platform: a.platform, name: a.name, lastSync: a.lastSyncedAt === null ? null : new Date(a.lastSyncedAt).toISOString() })),
      recentJobs: jobs.map((job) => seedJobStatus(describeSyncJob(job, tasks.filter((t) => t.jobId === job.id))).data),
    },
  });
});
