/**
 * Cairo's operations API (seed 000, 004): periodic sync, background jobs and
 * on-demand scoring, mapped onto the core's per-account sync schedules (the
 * Cron Trigger honours them), sync jobs and rescore jobs.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { optionalSeedBody, parseSeed, seedBody } from "../shared";
import { cairoNamespace } from "./hub";
import { listAccounts, setSyncSchedule, type ConnectedAccount } from "../../outreach/store";
import { cancelSyncJob, listSyncJobs, tasksOf, type SyncJob } from "../../outreach/sync-store";
import { changeScoring, latestRescoreJob, type RescoreJob } from "../../db/scoring";
import { describeJob, startRescore } from "../../queues/rescore";
import { startSyncJob } from "../../outreach/sync-jobs";
import { describeSyncJob } from "../../outreach/job-view";
import { sendJobCallback } from "../../outreach/callback";
import { nextSyncAt } from "../../outreach/schedule";
import { listDestinations } from "../../db/destinations";
import type { Namespace } from "../../db/tenants";
import { seedJobStatus } from "./shapes";
import { queryObject } from "../../schemas/query";

export const cairoOperations = new Hono<AppEnv>();

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** Every lead of the namespace scored again by the core's rescore job. */
async function rescore(env: Env, namespace: Namespace): Promise<RescoreJob> {
  const { job } = (await changeScoring(env.DB, namespace.id, { kind: "rescore" }))!;
  await startRescore(env, job);
  return job;
}

/** A delta sync of the namespace's enabled accounts now; null when it has none. 409 when one is already syncing. */
async function syncNow(c: Context<AppEnv>, namespace: Namespace): Promise<SyncJob | null> {
  const accounts = await listAccounts(c.env.DB, [namespace.id]);
  if (accounts.length === 0) return null;
  const platforms = [...new Set(accounts.map((a) => a.platform))];
  const { job } = await startSyncJob(c.env, { kind: "namespace", namespace }, { mode: "delta_since_last", platforms, namespaces: [namespace.name], batchSize: 500 });
  return job;
}

// ---- Periodic sync

async function periodicStatus(env: Env, namespace: Namespace) {
  const now = Date.now();
  const accounts = await listAccounts(env.DB, [namespace.id]);
  const jobs = await listSyncJobs(env.DB, namespace.id, 50);
  const lastCron = jobs.find((j) => j.trigger === "cron");
  const next = accounts.map((a) => nextSyncAt(a, now)).filter((t): t is number => t !== null);
  const interval = accounts.find((a) => a.syncEnabled)?.syncIntervalMinutes ?? null;
  return {
    enabled: accounts.some((a) => a.syncEnabled),
    isRunning: jobs.some((j) => j.status === "queued" || j.status === "in_progress"),
    // null interval: every cron tick (15 minutes).
    intervalHours: (interval ?? 15) / 60,
    lastRun: iso(lastCron?.createdAt),
    nextRun: next.length > 0 ? iso(Math.min(...next)) : null,
    accounts: accounts.length,
  };
}

function schedule(account: ConnectedAccount, now: number) {
  return {
    accountId: account.id,
    platform: account.platform,
    name: account.name,
    enabled: account.syncEnabled,
    intervalMinutes: account.syncIntervalMinutes ?? 15,
    lastSyncedAt: iso(account.lastSyncedAt),
    nextRunAt: iso(nextSyncAt(account, now)),
  };
}

const intervalHours = z.number().min(0.25).max(24 * 30);
const periodicConfig = z
  .object({ intervalHours: intervalHours.optional(), syncIntervalHours: intervalHours.optional(), enabled: z.boolean().optional() })
  .refine((b) => b.intervalHours !== undefined || b.syncIntervalHours !== undefined || b.enabled !== undefined, { message: "give intervalHours or enabled", path: ["intervalHours"] });
const startBody = z.object({ intervalHours: intervalHours.optional() });

cairoOperations.get("/api/periodic-sync/status", async (c) => c.json({ success: true, data: await periodicStatus(c.env, await cairoNamespace(c)) }));

cairoOperations.post("/api/periodic-sync/start", async (c) => {
  const namespace = await cairoNamespace(c);
  const { intervalHours: hours } = await optionalSeedBody(c, startBody);
  await setSyncSchedule(c.env.DB, namespace.id, { enabled: true, ...(hours !== undefined ? { intervalMinutes: Math.round(hours * 60) } : {}) });
  return c.json({ success: true, message: "Periodic sync started", data: await periodicStatus(c.env, namespace) });
});

cairoOperations.post("/api/periodic-sync/stop", async (c) => {
  const namespace = await cairoNamespace(c);
  await setSyncSchedule(c.env.DB, namespace.id, { enabled: false });
  return c.json({ success: true, message: "Periodic sync stopped", data: await periodicStatus(c.env, namespace) });
});

cairoOperations.put("/api/periodic-sync/config", async (c) => {
  const namespace = await cairoNamespace(c);
  const body = await seedBody(c, periodicConfig);
  const hours = body.intervalHours ?? body.syncIntervalHours;
  await setSyncSchedule(c.env.DB, namespace.id, { enabled: body.enabled, ...(hours !== undefined ? { intervalMinutes: Math.round(hours * 60) } : {}) });
  return c.json({ success: true, message: "Configuration updated", data: await periodicStatus(c.env, namespace) });
});

cairoOperations.get("/api/periodic-sync/schedules", async (c) => {
  const now = Date.now();
  const accounts = await listAccounts(c.env.DB, [(await cairoNamespace(c)).id]);
  return c.json({ success: true, data: { schedules: accounts.map((a) => schedule(a, now)) } });
});

cairoOperations.get("/api/periodic-sync/history", async (c) => {
  const { limit } = parseSeed(queryObject({ limit: z.coerce.number().int().min(1).max(200).default(20) }), c.req.query(), "query");
  const jobs = await listSyncJobs(c.env.DB, (await cairoNamespace(c)).id, limit);
  const tasks = await tasksOf(c.env.DB, jobs.map((j) => j.id));
  const history = jobs.map((job) => ({ trigger: job.trigger, ...seedJobStatus(describeSyncJob(job, tasks.filter((t) => t.jobId === job.id))).data }));
  return c.json({ success: true, data: { history, total: history.length } });
});

const syncNowBody = z.object({ type: z.enum(["full", "behavior", "icp"]).default("full") });

/** full: a delta sync of every account, then every lead rescored; behavior and icp: the rescore (both scores are always computed together). */
cairoOperations.post("/api/periodic-sync/sync-now", async (c) => {
  const namespace = await cairoNamespace(c);
  const { type } = await optionalSeedBody(c, syncNowBody);
  const sync = type === "full" ? await syncNow(c, namespace) : null;
  const job = await rescore(c.env, namespace);
  return c.json({ success: true, type, message: `${type} sync started`, data: { syncJobId: sync?.id ?? null, scoringJobId: job.id } }, 202);
});

// ---- Background jobs, by Cairo's names

type JobName = "periodic_sync" | "full_sync" | "calculate_lead_scores" | "mixpanel_sync";
const JOB_NAMES: Record<string, JobName> = {
  periodic_sync: "periodic_sync",
  "periodic-sync": "periodic_sync",
  full_sync: "full_sync",
  "full-sync": "full_sync",
  calculate_lead_scores: "calculate_lead_scores",
  "calculate-lead-scores": "calculate_lead_scores",
  lead_scoring: "calculate_lead_scores",
  "lead-scoring": "calculate_lead_scores",
  mixpanel_sync: "mixpanel_sync",
  "mixpanel-sync": "mixpanel_sync",
};

function jobName(raw: string): JobName {
  const name = JOB_NAMES[raw];
  if (!name) throw new ApiError(404, "not_found", `no job named ${raw}; jobs: ${Object.keys(JOB_NAMES).join(", ")}`);
  return name;
}

/** Mixpanel deliveries are the destination's: disable or replay it through /api/destinations. */
function continuousDelivery(): ApiError {
  return new ApiError(409, "not_a_job", "Mixpanel receives each event as it is stored (the mixpanel destination): there is no run to start or stop; PUT /api/destinations/:id {enabled} pauses it");
}

async function jobsOverview(env: Env, namespace: Namespace) {
  const [periodic, syncs, scoring, destinations] = await Promise.all([
    periodicStatus(env, namespace),
    listSyncJobs(env.DB, namespace.id, 50),
    latestRescoreJob(env.DB, namespace.id),
    listDestinations(env.DB, namespace.id),
  ]);
  const lastApi = syncs.find((j) => j.trigger === "api");
  const mixpanel = destinations.filter((d) => d.type === "mixpanel");
  return {
    // Cairo pushed to Mixpanel on a timer; the mixpanel destination delivers each event as it is stored, so there is no run to schedule.
    mixpanel_sync: {
      enabled: mixpanel.some((d) => d.enabled),
      last_run: null,
      next_run: null,
      status: mixpanel.length === 0 ? "not_configured" : mixpanel.some((d) => d.enabled) ? "healthy" : "disabled",
      mode: "continuous",
      destinations: mixpanel.map((d) => d.id),
    },
    periodic_sync: { enabled: periodic.enabled, last_run: periodic.lastRun, next_run: periodic.nextRun, status: periodic.isRunning ? "running" : "healthy" },
    full_sync: { enabled: true, last_run: iso(lastApi?.createdAt), next_run: null, status: lastApi ? lastApi.status : "idle", job_id: lastApi?.id ?? null },
    calculate_lead_scores: {
      enabled: true,
      last_run: iso(scoring?.createdAt),
      next_run: null,
      status: scoring ? scoring.status : "idle",
      job_id: scoring?.id ?? null,
      progress: scoring ? describeJob(scoring) : null,
    },
  };
}

cairoOperations.get("/api/jobs", async (c) => c.json({ success: true, jobs: await jobsOverview(c.env, await cairoNamespace(c)) }));
cairoOperations.get("/api/jobs/status", async (c) => c.json({ success: true, jobs: await jobsOverview(c.env, await cairoNamespace(c)) }));

cairoOperations.get("/api/jobs/status/:name", async (c) => {
  const name = jobName(c.req.param("name"));
  const jobs = await jobsOverview(c.env, await cairoNamespace(c));
  return c.json({ success: true, job_name: name, ...jobs[name] });
});

cairoOperations.get("/api/jobs/logs/:name", async (c) => {
  const name = jobName(c.req.param("name"));
  const namespace = await cairoNamespace(c);
  if (name === "mixpanel_sync") return c.json({ success: true, job_name: name, logs: [] });
  if (name === "calculate_lead_scores") {
    const job = await latestRescoreJob(c.env.DB, namespace.id);
    return c.json({ success: true, job_name: name, logs: job ? [{ at: iso(job.updatedAt), message: `rescore ${job.status}: ${job.processed} of ${job.total} leads` }] : [] });
  }
  const jobs = (await listSyncJobs(c.env.DB, namespace.id, 20)).filter((j) => (name === "periodic_sync" ? j.trigger === "cron" : j.trigger === "api"));
  const tasks = await tasksOf(c.env.DB, jobs.map((j) => j.id));
  const logs = jobs.flatMap((job) => {
    const view = describeSyncJob(job, tasks.filter((t) => t.jobId === job.id));
    return [{ at: view.createdAt, message: `sync ${view.id} ${view.status}: ${view.processed} read` }, ...view.errors.map((e) => ({ at: e.at, message: e.message }))];
  });
  return c.json({ success: true, job_name: name, logs });
});

cairoOperations.post("/api/jobs/stop/:name", async (c) => {
  const name = jobName(c.req.param("name"));
  const namespace = await cairoNamespace(c);
  if (name === "mixpanel_sync") throw continuousDelivery();
  if (name === "calculate_lead_scores") throw new ApiError(409, "not_stoppable", "a rescore cannot be stopped: it brings every lead to the current rules and ends on its own");
  const running = (await listSyncJobs(c.env.DB, namespace.id, 200)).filter(
    (j) => (j.status === "queued" || j.status === "in_progress") && (name === "periodic_sync" ? j.trigger === "cron" : j.trigger === "api"),
  );
  for (const job of running) {
    const cancelled = await cancelSyncJob(c.env.DB, job.id);
    if (cancelled) await sendJobCallback(c.env.DB, cancelled);
  }
  return c.json({ success: true, job_name: name, stopped: running.length, message: running.length > 0 ? `${running.length} job(s) stopped` : "no running job" });
});

cairoOperations.post("/api/jobs/trigger/:name", async (c) => {
  const name = jobName(c.req.param("name"));
  if (name === "mixpanel_sync") throw continuousDelivery();
  const namespace = await cairoNamespace(c);
  const id = name === "calculate_lead_scores" ? (await rescore(c.env, namespace)).id : (await syncNow(c, namespace))?.id;
  if (!id) throw new ApiError(422, "no_accounts", "the namespace has no connected Lemlist or Smartlead account to sync");
  return c.json({ success: true, job_name: name, triggered_at: new Date().toISOString(), job_id: id }, 202);
});

// ---- On-demand scoring: the core scores continuously; these run a rescore of every lead (and, for master-score-all, a delta sync first).

const scoringBody = z.object({ forceReenrich: z.boolean().optional(), maxEnrichment: z.number().int().min(0).optional(), maxUsers: z.number().int().min(0).optional() });

async function scoringAnswer(c: Context<AppEnv>, withSync: boolean) {
  const namespace = await cairoNamespace(c);
  await optionalSeedBody(c, scoringBody);
  const sync = withSync ? await syncNow(c, namespace) : null;
  const job = await rescore(c.env, namespace);
  return c.json({ success: true, message: "Scoring started", data: { jobId: job.id, status: job.status, totalUsers: job.total, syncJobId: sync?.id ?? null } }, 202);
}

cairoOperations.post("/api/scoring/calculate", (c) => scoringAnswer(c, false));
cairoOperations.post("/api/scoring/score-and-sync", (c) => scoringAnswer(c, false));
cairoOperations.post("/api/scoring/sync-to-attio", (c) => scoringAnswer(c, false));
cairoOperations.post("/api/scoring/master-score-all", (c) => scoringAnswer(c, true));
