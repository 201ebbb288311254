/**
 * Cairo's README (seed 000) and Full Sync API document (seed 004), replayed
 * against /compat/cairo: the requests they show, with their bodies verbatim
 * (plus a key), and the statuses and answer fields they document.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminHeaders, api, apiSend, call, eventually, type Tenant } from "./helpers";
import { leadByEmail } from "./outreach-helpers";
import { installFakes } from "../fakes/fake-service";
import { apolloFake, hunterFake, llmFake } from "../fakes/enrichment";
import { LEMLIST_KEY, SMARTLEAD_KEY, lemlistActivities, lemlistFake, smartleadFake } from "../fakes/outreach";
import { webhookReceiver } from "../fakes/services";
import { FakeService } from "../fakes/fake-service";

const BASE = "/compat/cairo";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

async function cairo(key: string, method: string, path: string, body?: string) {
  const res = await call(`${BASE}${path}`, { method, headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body });
  return { status: res.status, body: (await res.json()) as any };
}

/** A namespace with exactly the seed's name, and an API key for it. */
async function namespaceNamed(name: string, keywords: string[] = []): Promise<Tenant> {
  const created = await call("/api/namespaces", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name, keywords }) });
  expect(created.status, await created.clone().text()).toBe(201);
  const namespaceId = ((await created.json()) as any).namespace.id;
  const key = await call(`/api/namespaces/${name}/api-keys`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "cairo" }) });
  return { namespace: name, namespaceId, writeKey: "", apiKey: ((await key.json()) as any).key };
}

async function lemlistAccount(t: Tenant) {
  const res = await apiSend(t, "POST", "/api/accounts", { platform: "lemlist", name: "lemlist", apiKey: LEMLIST_KEY });
  expect(res.status).toBe(201);
}
async function smartleadAccount(t: Tenant) {
  const res = await apiSend(t, "POST", "/api/accounts", { platform: "smartlead", name: "smartlead", apiKey: SMARTLEAD_KEY });
  expect(res.status).toBe(201);
}

async function statusWhenEnded(key: string, jobId: string) {
  return eventually(
    async () => {
      const res = await cairo(key, "GET", `/api/full-sync/status/${jobId}`);
      expect(res.status).toBe(200);
      expect(["completed", "failed", "cancelled"]).toContain(res.body.status);
      return res.body;
    },
    60_000,
    200,
  );
}

describe("Cairo compat: health and integration tests", () => {
  it("GET /health, /health/detailed, /api/test/database and /api/test/health", async () => {
    const t = await namespaceNamed(`health-${crypto.randomUUID().slice(0, 6)}`);
    // The providers are configured (their keys set) while their fakes are installed.
    restore = installFakes(llmFake({}), hunterFake({}), apolloFake({}));
    expect((await call(`${BASE}/health`)).status).toBe(200);
    const detailed = await call(`${BASE}/health/detailed`);
    expect(detailed.status).toBe(200);
    expect(((await detailed.json()) as any).services.database).toBe("connected");
    expect(await cairo(t.apiKey, "GET", "/api/test/database")).toMatchObject({ status: 200, body: { success: true, database: "connected" } });
    const services = await cairo(t.apiKey, "GET", "/api/test/health");
    expect(services.body).toMatchObject({ success: true, services: { database: "connected", apollo: "configured", hunter: "configured" } });
  });

  it("POST /api/test/apollo asks the core's Apollo provider", async () => {
    const t = await namespaceNamed(`apollo-${crypto.randomUUID().slice(0, 6)}`);
    const apollo = apolloFake({ "test@example.com": { firstName: "Test", lastName: "User", title: "CTO", company: "Test Company", employees: 20, annualRevenue: 2_000_000, fundingStage: "Seed" } });
    restore = installFakes(llmFake({}), hunterFake({}), apollo);
    const res = await cairo(t.apiKey, "POST", "/api/test/apollo", '{"email": "test@example.com", "company": "Test Company"}');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, provider: "apollo", found: true, data: { person: { firstName: "Test", title: "CTO" }, organization: { name: "Test Company" } } });
    expect(apollo.requests).toHaveLength(1);
    expect((await cairo(t.apiKey, "POST", "/api/test/apollo", '{"email": "nope"}')).body).toMatchObject({ success: false, error: { details: [{ path: "email" }] } });
  });
});

describe("Cairo compat: namespaces", () => {
  it("the README's namespace requests, with the admin token and with a namespace key", async () => {
    const created = await cairo(
      ADMIN_TOKEN,
      "POST",
      "/api/namespaces",
      `{
    "name": "acme-corp",
    "keywords": ["ACME", "ACME Corp", "acme-corp"]
  }`,
    );
    expect(created.status).toBe(201);
    // Keywords are matched normalised (lower case, single spaces), so "ACME Corp" and "acme-corp" are one.
    expect(created.body).toMatchObject({ success: true, data: { name: "acme-corp" } });
    expect([...created.body.data.keywords].sort()).toEqual(["acme", "acme corp"]);

    const tech = await cairo(
      ADMIN_TOKEN,
      "POST",
      "/api/namespaces",
      `{
    "name": "tech-startup",
    "keywords": ["TechStartup", "Tech Startup Inc", "TSI"],
    "attio_config": {
      "workspace": "tech-startup-workspace"
    }
  }`,
    );
    expect(tech.status).toBe(201);

    const listed = await cairo(ADMIN_TOKEN, "GET", "/api/namespaces");
    expect(listed.body.success).toBe(true);
    expect(listed.body.data.map((n: any) => n.name)).toEqual(expect.arrayContaining(["acme-corp", "tech-startup"]));
    const techNow = (await cairo(ADMIN_TOKEN, "GET", "/api/namespaces/tech-startup")).body.data;
    expect(techNow.name).toBe("tech-startup");
    expect([...techNow.keywords].sort()).toEqual(["tech startup inc", "techstartup", "tsi"]);

    const updated = await cairo(
      ADMIN_TOKEN,
      "PUT",
      "/api/namespaces/tech-startup",
      `{
    "keywords": ["TechStartup", "Tech Startup Inc", "TSI", "TechStart"]
  }`,
    );
    expect(updated.status).toBe(200);
    expect([...updated.body.data.keywords].sort()).toEqual(["tech startup inc", "techstart", "techstartup", "tsi"]);
    const acme = await cairo(
      ADMIN_TOKEN,
      "PUT",
      "/api/namespaces/acme-corp",
      `{
    "keywords": ["ACME", "ACME Corp", "acme-corp", "Acme Corporation"]
  }`,
    );
    expect(acme.body.data.keywords).toContain("acme corporation");
    // The native API routes campaigns by the same keywords (one core).
    const native = await call("/api/namespaces/acme-corp", { headers: adminHeaders() });
    expect(((await native.json()) as any).namespace.keywords).toContain("acme corporation");

    expect((await cairo(ADMIN_TOKEN, "GET", "/api/namespaces/acme-corp/stats")).body).toMatchObject({ success: true, data: { namespace: "acme-corp" } });
    const stats = await cairo(ADMIN_TOKEN, "GET", "/api/namespaces/tech-startup/stats");
    expect(stats).toMatchObject({ status: 200, body: { success: true, data: { namespace: "tech-startup", totalUsers: 0 } } });

    // A namespace key: its own namespace only.
    const key = await call("/api/namespaces/tech-startup/api-keys", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "cairo" }) });
    const techKey = ((await key.json()) as any).key;
    expect((await cairo(techKey, "GET", "/api/namespaces")).body.data.map((n: any) => n.name)).toEqual(["tech-startup"]);
    expect((await cairo(techKey, "GET", "/api/namespaces/acme-corp")).status).toBe(404);
    expect((await cairo(techKey, "PUT", "/api/namespaces/acme-corp", '{"keywords": []}')).status).toBe(404);
    expect((await cairo(techKey, "POST", "/api/namespaces", '{"name": "mine"}')).status).toBe(403);
    expect((await cairo(techKey, "GET", "/api/namespaces/tech-startup/stats")).status).toBe(200);
    // Keywords route campaigns from every source: only the admin token changes them.
    expect((await cairo(techKey, "PUT", "/api/namespaces/tech-startup", '{"keywords": ["ACME Widgets"]}')).status).toBe(403);
    // A keyword another namespace holds is refused, and nothing changes.
    const taken = await cairo(ADMIN_TOKEN, "PUT", "/api/namespaces/tech-startup", '{"keywords": ["ACME"]}');
    expect(taken).toMatchObject({ status: 409, body: { success: false, error: { code: "keyword_taken" } } });
    expect((await cairo(ADMIN_TOKEN, "GET", "/api/namespaces/tech-startup")).body.data.keywords).toContain("techstart");
  });
});

describe("Cairo compat: events", () => {
  it("track, identify, batch and stats, joined to one lead by email", async () => {
    const t = await namespaceNamed(`events-${crypto.randomUUID().slice(0, 6)}`);
    const tracked = await cairo(
      t.apiKey,
      "POST",
      "/api/events/track",
      `{
    "user_email": "user@company.com",
    "event": "Feature Used",
    "properties": {
      "feature": "Export",
      "format": "CSV"
    }
  }`,
    );
    expect(tracked.status).toBe(200);
    expect(tracked.body).toMatchObject({ success: true, data: { event: "Feature Used", user_email: "user@company.com" } });

    const identified = await cairo(t.apiKey, "POST", "/api/events/identify", '{"user_email": "User@Company.com", "properties": {"name": "Uma User", "company": "Company"}}');
    expect(identified.body.success).toBe(true);
    const batch = await cairo(
      t.apiKey,
      "POST",
      "/api/events/batch",
      JSON.stringify({ events: [{ user_email: "user@company.com", event: "Signup" }, { user_email: "other@company.com", event: "Demo Request" }] }),
    );
    expect(batch.body).toMatchObject({ success: true, data: { processed: 2 } });

    const lead = await leadByEmail(t, "user@company.com");
    expect(lead.score).toBe(20);
    expect(lead.eventCount).toBe(3);
    await eventually(async () => {
      const stats = await cairo(t.apiKey, "GET", "/api/events/stats");
      expect(stats.body.data).toMatchObject({ totalEvents: 4, totalUsers: 2 });
    });

    const bad = await cairo(t.apiKey, "POST", "/api/events/track", '{"event": "Feature Used"}');
    expect(bad).toMatchObject({ status: 400, body: { success: false, error: { details: [{ path: "user_email" }] } } });
    expect((await call(`${BASE}/api/events/track`, { method: "POST", body: "{}" })).status).toBe(401);
  });
});

describe("Cairo compat: full sync", () => {
  it("the README's three modes, status, jobs, health, namespaces and validation", async () => {
    const lemlist = lemlistFake();
    lemlist.activities.push(...lemlistActivities(120, { emails: 12 }));
    const smartlead = smartleadFake();
    smartlead.campaigns.push({ id: 1, name: "Playmaker Q1", status: "ACTIVE", rows: [{ stats_id: "s1", lead_email: "p@play.fake", sent_time: "2024-01-10T10:00:00Z" }] });
    restore = installFakes(lemlist, smartlead);
    const playmaker = await namespaceNamed("playmaker");
    await lemlistAccount(playmaker);
    await smartleadAccount(playmaker);
    const client1 = await namespaceNamed("client1");
    const client2 = await namespaceNamed("client2");
    await lemlistAccount(client1);
    await lemlistAccount(client2);

    // 1. Full historical, with a namespace key: "all" is its own namespace.
    const full = await cairo(
      playmaker.apiKey,
      "POST",
      "/api/full-sync/execute-async",
      `{
    "mode": "FULL_HISTORICAL",
    "platforms": ["smartlead", "lemlist"],
    "namespaces": "all",
    "batchSize": 100,
    "enableMixpanelTracking": true
  }`,
    );
    expect(full.status).toBe(202);
    expect(full.body).toMatchObject({ success: true, config: { platforms: ["smartlead", "lemlist"], syncMode: "full_historical", batchSize: 100 } });
    expect(full.body.progressUrl).toBe(`/compat/cairo/api/full-sync/status/${full.body.jobId}`);
    const fullDone = await statusWhenEnded(playmaker.apiKey, full.body.jobId);
    expect(fullDone).toMatchObject({ success: true, status: "completed", data: { id: full.body.jobId, status: "completed", progress: { processed: 121, total: 121, percentage: 100 } } });
    expect(fullDone.data.result.platforms.lemlist.events).toBe(120);
    expect(fullDone.progress).toMatchObject({ percentage: 100, processed_items: 121, total_items: 121 });
    expect(fullDone.summary).toMatchObject({ events_created: 121, errors: 0 });

    // 2. Date range.
    const dateRange = await cairo(
      playmaker.apiKey,
      "POST",
      "/api/full-sync/execute-async",
      `{
    "mode": "DATE_RANGE",
    "platforms": ["smartlead"],
    "namespaces": ["playmaker"],
    "dateRange": {
      "start": "2024-01-01T00:00:00.000Z",
      "end": "2024-01-31T23:59:59.999Z"
    },
    "batchSize": 50
  }`,
    );
    expect(dateRange.status).toBe(202);
    expect((await statusWhenEnded(playmaker.apiKey, dateRange.body.jobId)).status).toBe("completed");

    // 3. Reset from date, across two namespaces: the admin token, paced by rateLimitDelay.
    const reset = await cairo(
      ADMIN_TOKEN,
      "POST",
      "/api/full-sync/execute-async",
      `{
    "mode": "RESET_FROM_DATE",
    "platforms": ["lemlist"],
    "namespaces": ["client1", "client2"],
    "resetDate": "2024-02-01T00:00:00.000Z",
    "batchSize": 75,
    "rateLimitDelay": 1000
  }`,
    );
    expect(reset.status).toBe(202);
    expect(reset.body.config).toMatchObject({ syncMode: "reset_from_date", namespaces: ["client1", "client2"], batchSize: 75, rateLimitDelay: 1000 });
    const resetDone = await statusWhenEnded(ADMIN_TOKEN, reset.body.jobId);
    expect(resetDone.status).toBe("completed");
    // 120 activities in pages of 75 per account: the second step of each waited the job's delay.
    expect(Date.parse(resetDone.data.finishedAt) - Date.parse(resetDone.data.startedAt)).toBeGreaterThanOrEqual(1000);
    // The status of another namespace's job is not found.
    expect((await cairo(playmaker.apiKey, "GET", `/api/full-sync/status/${reset.body.jobId}`)).status).toBe(404);

    // Job history with the README's filters.
    const history = await cairo(playmaker.apiKey, "GET", "/api/full-sync/jobs?limit=20&status=completed");
    expect(history.status).toBe(200);
    expect(history.body.data.jobs.map((j: any) => j.id).sort()).toEqual([full.body.jobId, dateRange.body.jobId].sort());
    expect((await cairo(playmaker.apiKey, "GET", "/api/full-sync/jobs?limit=1&status=completed")).body.data.jobs).toHaveLength(1);
    expect((await cairo(playmaker.apiKey, "GET", "/api/full-sync/jobs?status=failed")).body.data.jobs).toEqual([]);
    // The native list takes the same filters (core).
    expect((await api(playmaker, "/api/sync/jobs?limit=1&status=completed")).body.jobs).toHaveLength(1);

    const health = await cairo(playmaker.apiKey, "GET", "/api/full-sync/health");
    expect(health.body).toMatchObject({ success: true, data: { status: "healthy", activeJobs: 0 } });
    const namespaces = await cairo(playmaker.apiKey, "GET", "/api/full-sync/namespaces");
    expect(namespaces.body.data.namespaces).toEqual([{ name: "playmaker", platforms: expect.arrayContaining(["lemlist", "smartlead"]) }]);

    const valid = await cairo(
      playmaker.apiKey,
      "POST",
      "/api/full-sync/config/validate",
      `{
    "mode": "DATE_RANGE",
    "platforms": ["smartlead"],
    "namespaces": ["playmaker"],
    "dateRange": {
      "start": "2024-01-01T00:00:00.000Z",
      "end": "2024-01-31T23:59:59.999Z"
    }
  }`,
    );
    expect(valid.body).toMatchObject({ success: true, data: { valid: true, accounts: 1 } });
    const metadata = await cairo(playmaker.apiKey, "POST", "/api/full-sync/execute-async", '{"mode": "FULL_HISTORICAL", "callbackUrl": "http://169.254.169.254/latest"}');
    expect(metadata).toMatchObject({ status: 400, body: { success: false, error: { details: [{ path: "callbackUrl" }] } } });
    const invalid = await cairo(playmaker.apiKey, "POST", "/api/full-sync/config/validate", '{"mode": "DATE_RANGE", "platforms": ["smartlead"]}');
    expect(invalid).toMatchObject({ status: 400, body: { success: false, error: { code: "SYNC_001", details: [{ path: "dateRange" }] } } });
  }, 120_000);

  it("seed 004's execute body, status and cancel", async () => {
    const lemlist = lemlistFake();
    lemlist.activities.push(...lemlistActivities(300, { emails: 30 }));
    lemlist.gate.offset = 100;
    const callbacks = new FakeService("your-app.com", () => Response.json({ ok: true }));
    restore = installFakes(lemlist, smartleadFake(), callbacks, webhookReceiver());
    const production = await namespaceNamed("production");
    const staging = await namespaceNamed("staging");
    await lemlistAccount(production);
    await lemlistAccount(staging);

    const started = await cairo(
      ADMIN_TOKEN,
      "POST",
      "/api/full-sync/execute",
      `{
  "platforms": "smartlead,lemlist",
  "syncMode": "full_historical",
  "namespaces": "production,staging",
  "startDate": "2024-01-01",
  "endDate": "2024-12-31",
  "batchSize": 100,
  "enableProgressTracking": true,
  "enableMixpanelTracking": true,
  "enableAttioSync": true,
  "webhookUrl": "https://your-app.com/webhooks/sync-complete"
}`,
    );
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ success: true, config: { platforms: ["smartlead", "lemlist"], syncMode: "full_historical", namespaces: ["production", "staging"] } });
    expect(started.body.jobId).toEqual(expect.any(String));

    await eventually(async () => expect(lemlist.gate.arrived).toBe(true));
    const running = await cairo(ADMIN_TOKEN, "GET", `/api/full-sync/status/${started.body.jobId}`);
    expect(running.body).toMatchObject({ jobId: started.body.jobId, status: "in_progress", data: { status: "running" } });
    const cancelled = await cairo(ADMIN_TOKEN, "DELETE", `/api/full-sync/cancel/${started.body.jobId}`);
    expect(cancelled.body).toEqual({ success: true, jobId: started.body.jobId, status: "cancelled", message: "Sync operation cancelled successfully" });
    lemlist.gate.open = true;
    expect((await statusWhenEnded(ADMIN_TOKEN, started.body.jobId)).status).toBe("cancelled");
    await eventually(async () => expect(callbacks.requests.map((r) => r.url.pathname)).toEqual(["/webhooks/sync-complete"]));
    expect((await cairo(ADMIN_TOKEN, "DELETE", `/api/full-sync/cancel/${started.body.jobId}`)).status).toBe(409);
    expect((await cairo(ADMIN_TOKEN, "GET", "/api/full-sync/status/full-sync-1234567890")).body).toMatchObject({ success: false, error: { code: "SYNC_002" } });
  }, 120_000);
});
