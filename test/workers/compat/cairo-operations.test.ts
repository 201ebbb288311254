/**
 * Cairo's periodic sync, background jobs and scoring routes (seeds 000, 004)
 * against /compat/cairo: the README's requests verbatim, the schedules they
 * set honoured by the Worker's own Cron Trigger, and the core jobs they start.
 */
import { afterEach, describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { adminHeaders, api, call, eventually, type Tenant } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { LEMLIST_KEY, lemlistActivities, lemlistFake } from "../../fakes/outreach";
import { syncIsDue } from "../../../src/outreach/schedule";

const BASE = "/compat/cairo";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

async function cairo(t: Tenant, method: string, path: string, body?: string) {
  const res = await call(`${BASE}${path}`, { method, headers: { "X-API-Key": t.apiKey, "Content-Type": "application/json" }, body });
  return { status: res.status, body: (await res.json()) as any };
}

async function runCron() {
  const worker = exports.default as unknown as { scheduled(options: { scheduledTime: Date; cron: string }): Promise<void> };
  await worker.scheduled({ scheduledTime: new Date(), cron: "*/15 * * * *" });
}

async function tenantWithLemlist(): Promise<Tenant> {
  const name = `ops-${crypto.randomUUID().slice(0, 8)}`;
  await call("/api/namespaces", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name }) });
  const key = await call(`/api/namespaces/${name}/api-keys`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "ops" }) });
  const t: Tenant = { namespace: name, namespaceId: "", writeKey: "", apiKey: ((await key.json()) as any).key };
  const account = await call("/api/accounts", {
    method: "POST",
    headers: { Authorization: `Bearer ${t.apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ platform: "lemlist", name: "lemlist", apiKey: LEMLIST_KEY }),
  });
  expect(account.status).toBe(201);
  return t;
}

async function syncJobsOf(t: Tenant) {
  return (await api(t, "/api/sync/jobs")).body.jobs as any[];
}

async function allEnded(t: Tenant) {
  await eventually(async () => {
    for (const job of await syncJobsOf(t)) expect(["completed", "failed", "cancelled"]).toContain(job.status);
  }, 30_000, 200);
}

describe("Cairo compat: periodic sync", () => {
  it("status, config, stop and start set the account schedules the cron honours; history and sync-now", async () => {
    const lemlist = lemlistFake();
    lemlist.activities.push(...lemlistActivities(50, { emails: 5 }));
    restore = installFakes(lemlist);
    const t = await tenantWithLemlist();

    const status = await cairo(t, "GET", "/api/periodic-sync/status");
    expect(status).toMatchObject({ status: 200, body: { success: true, data: { enabled: true, intervalHours: 0.25, accounts: 1, lastRun: null } } });

    const config = await cairo(t, "PUT", "/api/periodic-sync/config", '{"intervalHours": 4}');
    expect(config.body.data).toMatchObject({ enabled: true, intervalHours: 4 });
    const schedules = await cairo(t, "GET", "/api/periodic-sync/schedules");
    expect(schedules.body.data.schedules).toEqual([expect.objectContaining({ platform: "lemlist", enabled: true, intervalMinutes: 240 })]);

    // Stopped: the cron leaves the account alone.
    expect((await cairo(t, "POST", "/api/periodic-sync/stop")).body.data.enabled).toBe(false);
    await runCron();
    expect(await syncJobsOf(t)).toEqual([]);

    // Started: never synced, so due at once; then not again within 4 hours.
    expect((await cairo(t, "POST", "/api/periodic-sync/start")).body.data.enabled).toBe(true);
    await runCron();
    expect((await syncJobsOf(t)).map((j) => j.trigger)).toEqual(["cron"]);
    await allEnded(t);
    await runCron();
    expect(await syncJobsOf(t)).toHaveLength(1);

    const after = await cairo(t, "GET", "/api/periodic-sync/status");
    expect(after.body.data.lastRun).not.toBeNull();
    expect(Date.parse(after.body.data.nextRun)).toBeGreaterThan(Date.now() + 3 * 3_600_000);
    const history = await cairo(t, "GET", "/api/periodic-sync/history");
    expect(history.body.data.history).toEqual([expect.objectContaining({ trigger: "cron", status: "completed" })]);

    // The README's three sync-now bodies.
    const full = await cairo(t, "POST", "/api/periodic-sync/sync-now", '{"type": "full"}');
    expect(full.status).toBe(202);
    expect(full.body).toMatchObject({ success: true, type: "full" });
    expect(full.body.data.syncJobId).toEqual(expect.any(String));
    await allEnded(t);
    const behavior = await cairo(t, "POST", "/api/periodic-sync/sync-now", '{"type": "behavior"}');
    expect(behavior.body).toMatchObject({ success: true, type: "behavior", data: { syncJobId: null } });
    const icp = await cairo(t, "POST", "/api/periodic-sync/sync-now", '{"type": "icp"}');
    expect(icp.body.data.scoringJobId).toEqual(expect.any(String));
    expect((await cairo(t, "POST", "/api/periodic-sync/sync-now", '{"type": "weekly"}')).body.error.details[0].path).toBe("type");
    await eventually(async () => expect((await api(t, "/api/scoring-rules/rescore-status")).body.job).toMatchObject({ id: icp.body.data.scoringJobId, status: "completed" }));
  });
});

describe("Cairo compat: jobs and scoring", () => {
  it("lists, triggers, stops and logs jobs by Cairo's names; scoring runs the core's rescore", async () => {
    const lemlist = lemlistFake();
    lemlist.activities.push(...lemlistActivities(20, { emails: 4 }));
    restore = installFakes(lemlist);
    const t = await tenantWithLemlist();

    const listed = await cairo(t, "GET", "/api/jobs");
    expect(listed.body).toMatchObject({ success: true, jobs: { periodic_sync: { enabled: true }, calculate_lead_scores: { status: "idle" } } });
    // Seed 004's job status: every job with enabled, last_run, next_run, status.
    const status = await cairo(t, "GET", "/api/jobs/status");
    for (const job of Object.values(status.body.jobs) as any[]) expect(Object.keys(job)).toEqual(expect.arrayContaining(["enabled", "last_run", "next_run", "status"]));

    const calculated = await cairo(
      t,
      "POST",
      "/api/scoring/calculate",
      `{
    "forceReenrich": true,
    "maxEnrichment": 100,
    "maxUsers": 500
  }`,
    );
    expect(calculated.status).toBe(202);
    expect(calculated.body).toMatchObject({ success: true, data: { jobId: expect.any(String) } });
    await eventually(async () => expect((await cairo(t, "GET", "/api/jobs/status/calculate-lead-scores")).body).toMatchObject({ success: true, status: "completed", job_id: calculated.body.data.jobId }));
    expect((await cairo(t, "POST", "/api/jobs/stop/calculate-lead-scores")).status).toBe(409);

    const triggered = await cairo(t, "POST", "/api/jobs/trigger/periodic_sync");
    expect(triggered).toMatchObject({ status: 202, body: { success: true, job_name: "periodic_sync", job_id: expect.any(String) } });
    await allEnded(t);
    const logs = await cairo(t, "GET", "/api/jobs/logs/full_sync");
    expect(logs.body.logs[0].message).toContain(triggered.body.job_id);

    // A running sync is stopped by name.
    lemlist.gate.offset = 0;
    const master = await cairo(t, "POST", "/api/scoring/master-score-all");
    expect(master.body.data.syncJobId).toEqual(expect.any(String));
    await eventually(async () => expect(lemlist.gate.arrived).toBe(true));
    const stopped = await cairo(t, "POST", "/api/jobs/stop/full-sync");
    expect(stopped.body).toMatchObject({ success: true, stopped: 1 });
    lemlist.gate.open = true;
    await allEnded(t);
    expect((await api(t, `/api/sync/jobs/${master.body.data.syncJobId}`)).body.job.status).toBe("cancelled");

    for (const path of ["/api/scoring/score-and-sync", "/api/scoring/sync-to-attio"]) expect((await cairo(t, "POST", path)).status).toBe(202);
    expect((await cairo(t, "GET", "/api/jobs/status/nightly")).status).toBe(404);
  });
});

describe("sync schedule (pure)", () => {
  const now = Date.now();
  it.each([
    [{ syncEnabled: false, syncIntervalMinutes: null, lastSyncedAt: null }, false],
    [{ syncEnabled: true, syncIntervalMinutes: null, lastSyncedAt: now - 60_000 }, true],
    [{ syncEnabled: true, syncIntervalMinutes: 240, lastSyncedAt: null }, true],
    [{ syncEnabled: true, syncIntervalMinutes: 240, lastSyncedAt: now - 3 * 3_600_000 }, false],
    [{ syncEnabled: true, syncIntervalMinutes: 240, lastSyncedAt: now - 4 * 3_600_000 + 4 * 60_000 }, true],
  ])("%j due: %s", (account, due) => expect(syncIsDue(account, now)).toBe(due));
});
