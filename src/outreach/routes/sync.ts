import { Hono } from "hono";
import { jsonBody } from "../../http/json-body";
import type { AppEnv, Caller } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { parseOrThrow } from "../../http/validate";
import { syncJobBody, syncJobIdParam, syncJobListQuery } from "../../schemas/sync";
import { busyAccounts, cancelSyncJob, getSyncJob, listSyncJobs, resumeSyncJob, tasksOf, type SyncJob } from "../sync-store";
import { describeSyncJob } from "../job-view";
import { accountsForRequest, busyError, startSyncJob } from "../sync-jobs";
import { sendJobCallback } from "../callback";
import { enqueueStep } from "../sync-queue";
import { assertOutboundUrls } from "../../outbound/fetch";

/**
 * Sync jobs over connected accounts. A namespace's API key syncs and sees its
 * own namespace's accounts and jobs; the admin token any.
 */
export const syncRoutes = new Hono<AppEnv>();


syncRoutes.post("/jobs", async (c) => {
  const request = parseOrThrow(syncJobBody, await jsonBody(c));
  assertOutboundUrls(c.env, { callbackUrl: request.callbackUrl });
  const { job, tasks } = await startSyncJob(c.env, c.var.caller, request);
  return c.json({ job: describeSyncJob(job, tasks) }, 202);
});

syncRoutes.get("/jobs", async (c) => {
  const { limit, status } = parseOrThrow(syncJobListQuery, c.req.query(), "query");
  const jobs = await listSyncJobs(c.env.DB, ownerScope(c.var.caller), limit, status);
  const tasks = await tasksOf(c.env.DB, jobs.map((j) => j.id));
  return c.json({ jobs: jobs.map((job) => describeSyncJob(job, tasks.filter((t) => t.jobId === job.id))) });
});

syncRoutes.get("/jobs/:id", async (c) => {
  const job = await jobOr404(c.env.DB, c.var.caller, c.req.param());
  return c.json({ job: describeSyncJob(job, await tasksOf(c.env.DB, [job.id])) });
});

/** Cancels: each task stops before its next page, and lets go of its account. */
syncRoutes.delete("/jobs/:id", async (c) => {
  const job = await jobOr404(c.env.DB, c.var.caller, c.req.param());
  const cancelled = await cancelSyncJob(c.env.DB, job.id);
  if (!cancelled) throw new ApiError(409, "not_running", `sync job ${job.id} already ended (${job.status})`);
  await sendJobCallback(c.env.DB, cancelled);
  return c.json({ job: describeSyncJob(cancelled, await tasksOf(c.env.DB, [job.id])) });
});

/** Runs a failed job's failed accounts again from their last durable page. */
syncRoutes.post("/jobs/:id/resume", async (c) => {
  const job = await jobOr404(c.env.DB, c.var.caller, c.req.param());
  if (job.status !== "failed") throw new ApiError(409, "not_failed", `only a failed job can be resumed; ${job.id} is ${job.status}`);
  const resumed = await resumeSyncJob(c.env.DB, job);
  if ("busy" in resumed) throw busyError(resumed.busy);
  for (const task of resumed.tasks) await enqueueStep(c.env, task);
  const now = (await getSyncJob(c.env.DB, job.id))!;
  return c.json({ job: describeSyncJob(now, await tasksOf(c.env.DB, [job.id])) }, 202);
});

/** Checks a job request without starting it: the accounts it would sync and any that are busy. */
syncRoutes.post("/config/validate", async (c) => {
  const request = parseOrThrow(syncJobBody, await jsonBody(c));
  const accounts = await accountsForRequest(c.env.DB, c.var.caller, request);
  const busy = await busyAccounts(c.env.DB, accounts.map((a) => a.id));
  const warnings: string[] = [];
  if (accounts.length === 0) warnings.push(`no connected ${request.platforms.join(" or ")} account in the chosen namespaces`);
  if (busy.length > 0) warnings.push(`a sync is running for ${busy.length} of the accounts; starting now would answer 409`);
  return c.json({
    valid: accounts.length > 0 && busy.length === 0,
    config: request,
    accounts: accounts.map((a) => ({ id: a.id, platform: a.platform, name: a.name, busy: busy.includes(a.id) })),
    warnings,
  });
});

function ownerScope(caller: Caller): string | null {
  return caller.kind === "admin" ? null : caller.namespace.id;
}

async function jobOr404(db: D1Database, caller: Caller, params: unknown): Promise<SyncJob> {
  const { id } = parseOrThrow(syncJobIdParam, params, "sync job id");
  const job = await getSyncJob(db, id);
  if (!job || (caller.kind === "namespace" && job.ownerNamespaceId !== caller.namespace.id)) throw new ApiError(404, "not_found", `no sync job ${id}`);
  return job;
}
