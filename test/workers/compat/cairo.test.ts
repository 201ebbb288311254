/**
 * Cairo's README (seed 000) and Full Sync API document (seed 004), replayed
 * against /compat/cairo: the requests they show, with their bodies verbatim
 * (plus a key), and the statuses and answer fields they document.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminHeaders, api, apiSend, call, eventually, newTenant, type Tenant } from "../helpers";
import { leadByEmail } from "../outreach-helpers";
import { installFakes } from "../../fakes/fake-service";
import { apolloFake, hunterFake, llmFake } from "../../fakes/enrichment";
import { LEMLIST_KEY, SMARTLEAD_KEY, lemlistActivities, lemlistFake, smartleadFake } from "../../fakes/outreach";
import { webhookReceiver } from "../../fakes/services";
import { FakeService } from "../../fakes/fake-service";

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
    // A client of the operator's hub: it accepts the hub's routed activity, set explicitly and visible natively.
    expect(created.body).toMatchObject({ success: true, data: { name: "acme-corp", acceptRoutedFrom: ["playmaker"] } });
    const nativeView = (await (await call("/api/namespaces/acme-corp", { headers: adminHeaders() })).json()) as any;
    expect(nativeView.namespace).toMatchObject({ name: "acme-corp", acceptRoutedFrom: ["playmaker"] });
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
    expect((await cairo(techKey, "PUT", "/api/namespaces/acme-corp", '{"keywords": []}')).status).toBe(403);
    expect((await cairo(techKey, "POST", "/api/namespaces", '{"name": "mine"}')).status).toBe(403);
    expect((await cairo(techKey, "GET", "/api/namespaces/tech-startup/stats")).status).toBe(200);
    // Keywords route campaigns from every source: only the admin token changes them.
    expect((await cairo(techKey, "PUT", "/api/namespaces/tech-startup", '{"keywords": ["ACME Widgets"]}')).status).toBe(403);
    // A keyword another namespace holds is refused, and nothing changes.
    const taken = await cairo(ADMIN_TOKEN, "PUT", "/api/namespaces/tech-startup", '{"keywords": ["ACME"]}');
    expect(taken).toMatchObject({ status: 409, body: { success: false, error: { code: "keyword_taken" } } });
    expect((await cairo(ADMIN_TOKEN, "GET", "/api/namespaces/tech-startup")).body.data.keywords).toContain("techstart");
  });

  it("\"ACME Corp Q1 Campaign\" synced by the hub lands in acme-corp; a native tenant that never accepted the hub gets nothing", async () => {
    const lemlist = lemlistFake();
    lemlist.activities.push(...lemlistActivities(10, { emails: 2, campaignName: "ACME Corp Q1 Campaign", prefix: "acme" }));
    lemlist.activities.push(...lemlistActivities(5, { emails: 1, campaignName: "Playmaker Outreach", prefix: "own" }));
    restore = installFakes(lemlist, smartleadFake());
    const hub = await operator();
    // A native tenant whose keyword the campaign also holds.
    const native = await newTenant("native");
    expect((await call(`/api/namespaces/${native.namespace}`, { method: "PATCH", headers: adminHeaders(), body: JSON.stringify({ keywords: ["Q1 Campaign"] }) })).status).toBe(200);
    // The operator's group: the hub and its clients; not the native tenant.
    const group = (await cairo(ADMIN_TOKEN, "GET", "/api/namespaces")).body.data.map((n: any) => n.name);
    expect(group[0]).toBe("playmaker");
    expect(group).toEqual(expect.arrayContaining(["acme-corp", "tech-startup", "client1"]));
    expect(group).not.toContain(native.namespace);

    const sync = await cairo(ADMIN_TOKEN, "POST", "/api/full-sync/execute-async", '{"mode": "FULL_HISTORICAL", "platforms": ["lemlist"], "namespaces": "all"}');
    expect(sync.status).toBe(202);
    expect((await statusWhenEnded(ADMIN_TOKEN, sync.body.jobId)).status).toBe("completed");
    await eventually(async () => expect([await eventsIn("acme-corp"), await eventsIn("playmaker")]).toEqual([10, 5]));
    expect(await eventsIn(native.namespace)).toBe(0);
    expect((await api(native, "/api/leads")).body.leads).toEqual([]);
    // The hub's own key sees its own namespace only.
    expect((await cairo(hub.apiKey, "GET", "/api/namespaces")).body.data.map((n: any) => n.name)).toEqual(["playmaker"]);
  }, 120_000);
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

/**
 * The operator's setup, as Cairo's README assumes it (and MIGRATING.md's
 * checklist makes it): the hub `playmaker` owning one Lemlist and one
 * Smartlead account, clients created through /compat/cairo with the admin
 * token. Made once per file; each test installs the fakes its syncs read.
 */
let operatorSetup: Promise<Tenant> | undefined;
function operator(): Promise<Tenant> {
  operatorSetup ??= (async () => {
    // The first client made through /compat/cairo made the hub already, as Cairo's setup made its default namespace.
    const created = await cairo(ADMIN_TOKEN, "POST", "/api/namespaces", '{"name": "playmaker"}');
    expect([201, 409]).toContain(created.status);
    const hub = await cairo(ADMIN_TOKEN, "GET", "/api/namespaces/playmaker");
    const key = await call("/api/namespaces/playmaker/api-keys", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "cairo" }) });
    const t: Tenant = { namespace: "playmaker", namespaceId: hub.body.data.id, writeKey: "", apiKey: ((await key.json()) as any).key };
    await lemlistAccount(t);
    await smartleadAccount(t);
    for (const [name, keywords] of [["client1", ["Client1"]], ["client2", ["Client2"]], ["new-client", ["New Client"]], ["production", ["Production"]], ["staging", ["Staging"]]] as const) {
      expect((await cairo(ADMIN_TOKEN, "POST", "/api/namespaces", JSON.stringify({ name, keywords }))).status).toBe(201);
    }
    return t;
  })();
  return operatorSetup;
}

/** Events each namespace holds, from the native stats (the projection, a few seconds behind). */
async function eventsIn(name: string): Promise<number> {
  const res = await call(`/api/namespaces/${name}/stats`, { headers: adminHeaders() });
  return ((await res.json()) as any).events;
}

/** Hub campaigns: `count` activities each for client1, client2, new-client, production, staging and the hub's own. */
function hubCampaigns(count: number) {
  const lemlist = lemlistFake();
  for (const [campaignName, prefix] of [
    ["Client1 Spring Campaign", "c1"],
    ["Client2 Launch", "c2"],
    ["New Client Onboarding", "nc"],
    ["Production Q3", "pr"],
    ["Staging Q3", "st"],
    ["Playmaker Outreach", "pm"],
  ] as const) {
    lemlist.activities.push(...lemlistActivities(count, { emails: 3, campaignName, prefix }));
  }
  const smartlead = smartleadFake();
  smartlead.campaigns.push({ id: 1, name: "Playmaker Q1", status: "ACTIVE", rows: [{ stats_id: "s1", lead_email: "p@play.fake", sent_time: "2024-01-10T10:00:00Z" }] });
  return { lemlist, smartlead };
}

describe("Cairo compat: the operator's hub and clients", () => {
  it("the README's three modes, status, jobs, health, namespaces and validation, on the hub's accounts", async () => {
    const { lemlist, smartlead } = hubCampaigns(20);
    restore = installFakes(lemlist, smartlead);
    const playmaker = await operator();
    const group = ["client1", "client2", "new-client", "production", "staging", "playmaker"];
    const before = await Promise.all(group.map(eventsIn));

    // 1. Full historical: "all" is the operator's hub, whose sync routes every client's campaigns.
    const full = await cairo(
      ADMIN_TOKEN,
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
    expect(full.body).toMatchObject({ success: true, config: { platforms: ["smartlead", "lemlist"], syncMode: "full_historical", namespaces: ["playmaker"], batchSize: 100 } });
    // Relative to the Cairo base URL, as the seed's: base + progressUrl is the status route.
    expect(full.body.progressUrl).toBe(`/api/full-sync/status/${full.body.jobId}`);
    expect((await cairo(ADMIN_TOKEN, "GET", full.body.progressUrl)).status).toBe(200);
    const fullDone = await statusWhenEnded(ADMIN_TOKEN, full.body.jobId);
    expect(fullDone).toMatchObject({ success: true, status: "completed", data: { id: full.body.jobId, status: "completed", progress: { processed: 121, total: 121, percentage: 100 } } });
    expect(fullDone.data.result.platforms.lemlist).toMatchObject({ events: 120, users: null, accounts: 1 });
    expect(fullDone.progress).toMatchObject({ percentage: 100, processed_items: 121, total_items: 121 });
    expect(fullDone.summary).toMatchObject({ events_created: 121, users_processed: null, activities_read: 121, errors: 0 });
    // Each client's campaign landed in it; the hub's own campaigns (20 Lemlist, 1 Smartlead) stayed in the hub.
    await eventually(async () => expect(await Promise.all(group.map(eventsIn))).toEqual(before.map((n, i) => n + (group[i] === "playmaker" ? 21 : 20))));

    // 2. Date range, with the hub's own key on its own namespace.
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

    // Job history with the README's filters: the hub's key sees its own jobs.
    const history = await cairo(playmaker.apiKey, "GET", "/api/full-sync/jobs?limit=20&status=completed");
    expect(history.status).toBe(200);
    expect(history.body.data.jobs.map((j: any) => j.id)).toContain(dateRange.body.jobId);
    expect((await cairo(playmaker.apiKey, "GET", "/api/full-sync/jobs?limit=1&status=completed")).body.data.jobs).toHaveLength(1);
    expect((await cairo(playmaker.apiKey, "GET", "/api/full-sync/jobs?status=failed")).body.data.jobs).toEqual([]);
    expect((await api(playmaker, "/api/sync/jobs?limit=1&status=completed")).body.jobs).toHaveLength(1);

    const health = await cairo(playmaker.apiKey, "GET", "/api/full-sync/health");
    expect(health.body).toMatchObject({ success: true, data: { status: "healthy", activeJobs: 0 } });
    // Every namespace of the group, each with the platforms it syncs from (clients: the hub's).
    const namespaces = await cairo(ADMIN_TOKEN, "GET", "/api/full-sync/namespaces");
    expect(namespaces.body.data.namespaces).toEqual(expect.arrayContaining([{ name: "client1", platforms: expect.arrayContaining(["lemlist", "smartlead"]) }]));

    const valid = await cairo(
      ADMIN_TOKEN,
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

  it("a sync naming clients runs on the hub's accounts, keeps only their campaigns, and leaves the hub's watermark", async () => {
    const { lemlist, smartlead } = hubCampaigns(30);
    restore = installFakes(lemlist, smartlead);
    const playmaker = await operator();
    const before = (await api(playmaker, "/api/accounts")).body.accounts.map((a: any) => [a.platform, a.lastSyncedAt, a.watermark]);
    const [c1, c2, hubEvents, newClient] = await Promise.all(["client1", "client2", "playmaker", "new-client"].map(eventsIn));

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
    const done = await statusWhenEnded(ADMIN_TOKEN, reset.body.jobId);
    expect(done.status).toBe("completed");
    // Every activity of the hub's Lemlist account was read; only client1's and client2's 2 x 30 were kept (the 10 newer ones of each are new).
    expect(done.data.progress.processed).toBe(180);
    expect(done.data.result.platforms.lemlist.events + done.data.result.platforms.lemlist.duplicates).toBe(60);
    // 180 activities in steps of 75: the later steps waited the job's delay.
    expect(Date.parse(done.data.finishedAt) - Date.parse(done.data.startedAt)).toBeGreaterThanOrEqual(1000);
    await eventually(async () => expect([await eventsIn("client1"), await eventsIn("client2")]).toEqual([c1! + 10, c2! + 10]));
    expect(await eventsIn("playmaker")).toBe(hubEvents);
    expect(await eventsIn("new-client")).toBe(newClient);
    // A restricted run is not the accounts' sync: watermark and last sync time stay.
    expect((await api(playmaker, "/api/accounts")).body.accounts.map((a: any) => [a.platform, a.lastSyncedAt, a.watermark])).toEqual(before);

    // "Marketing Agency Full Client Onboarding", verbatim, with its callback.
    const crm = new FakeService("mycrm.com", () => Response.json({ ok: true }));
    restore();
    restore = installFakes(lemlist, smartlead, crm);
    const onboarding = await cairo(
      ADMIN_TOKEN,
      "POST",
      "/api/full-sync/execute-async",
      `{
    "mode": "FULL_HISTORICAL",
    "platforms": ["smartlead", "lemlist"],
    "namespaces": ["new-client"],
    "batchSize": 100,
    "callbackUrl": "https://mycrm.com/webhooks/sync-complete"
  }`,
    );
    expect(onboarding.status).toBe(202);
    expect((await statusWhenEnded(ADMIN_TOKEN, onboarding.body.jobId)).status).toBe("completed");
    await eventually(async () => expect(await eventsIn("new-client")).toBe(30));
    await eventually(async () => expect(crm.requests.map((r) => r.url.pathname)).toEqual(["/webhooks/sync-complete"]));

    // A client's own key reaches neither the hub's accounts nor another client.
    const key = await call("/api/namespaces/client1/api-keys", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "c1" }) });
    const client1Key = ((await key.json()) as any).key;
    expect((await cairo(client1Key, "POST", "/api/full-sync/execute-async", '{"mode": "FULL_HISTORICAL", "namespaces": ["client2"]}')).status).toBe(404);
    expect((await cairo(client1Key, "POST", "/api/full-sync/execute-async", '{"mode": "FULL_HISTORICAL"}')).body).toMatchObject({ success: false, error: { code: "no_accounts" } });
    // The hub's key may name its clients (its own accounts, kept to their campaigns).
    const viaHub = await cairo(playmaker.apiKey, "POST", "/api/full-sync/config/validate", '{"mode": "FULL_HISTORICAL", "platforms": ["lemlist"], "namespaces": ["client1"]}');
    expect(viaHub.body).toMatchObject({ success: true, data: { valid: true, accounts: 1 } });
  }, 120_000);

  it("seed 004's execute body naming client namespaces, status and cancel", async () => {
    const { lemlist, smartlead } = hubCampaigns(60);
    lemlist.gate.offset = 100;
    const callbacks = new FakeService("your-app.com", () => Response.json({ ok: true }));
    restore = installFakes(lemlist, smartlead, callbacks, webhookReceiver());
    await operator();

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
    expect(started.body.progressUrl).toBe(`/api/full-sync/status/${started.body.jobId}`);

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

    // The Complete Full Sync Workflow's request: "namespaces": "production".
    lemlist.gate.offset = -1;
    const single = await cairo(ADMIN_TOKEN, "POST", "/api/full-sync/execute", JSON.stringify({ platforms: "smartlead,lemlist", syncMode: "full_historical", namespaces: "production", batchSize: 100, enableProgressTracking: true, webhookUrl: "https://your-app.com/sync-complete" }));
    expect(single.status).toBe(200);
    const ended = await statusWhenEnded(ADMIN_TOKEN, single.body.jobId);
    expect(ended.status).toBe("completed");
    await eventually(async () => expect(await eventsIn("production")).toBe(60));
    expect(await eventsIn("staging")).toBeLessThanOrEqual(60);
  }, 120_000);

  it("Cairo's legacy sync routes: GET /initial-sync, /delta-sync and /sync-status on the hub", async () => {
    const { lemlist, smartlead } = hubCampaigns(5);
    restore = installFakes(lemlist, smartlead);
    await operator();
    const initial = await cairo(ADMIN_TOKEN, "GET", "/initial-sync");
    expect(initial).toMatchObject({ status: 202, body: { success: true, config: { syncMode: "full_historical", namespaces: ["playmaker"] } } });
    expect((await statusWhenEnded(ADMIN_TOKEN, initial.body.jobId)).status).toBe("completed");
    const delta = await cairo(ADMIN_TOKEN, "GET", "/delta-sync");
    expect(delta).toMatchObject({ status: 202, body: { success: true, config: { syncMode: "delta_since_last" } } });
    expect((await statusWhenEnded(ADMIN_TOKEN, delta.body.jobId)).status).toBe("completed");
    const status = await cairo(ADMIN_TOKEN, "GET", "/sync-status");
    expect(status.body).toMatchObject({ success: true, data: { namespace: "playmaker", isRunning: false } });
    expect(status.body.data.sources.map((s: any) => s.platform).sort()).toEqual(["lemlist", "smartlead"]);
    expect(status.body.data.recentJobs.slice(0, 2).map((j: any) => j.id)).toEqual([delta.body.jobId, initial.body.jobId]);
    expect((await call(`${BASE}/initial-sync`)).status).toBe(401);
  }, 120_000);

  it("the README's operations requests with the operator's token act on the hub: periodic sync, jobs (with mixpanel_sync), scoring", async () => {
    const { lemlist, smartlead } = hubCampaigns(5);
    restore = installFakes(lemlist, smartlead, llmFake({}), hunterFake({}), apolloFake({}));
    await operator();
    const status = await cairo(ADMIN_TOKEN, "GET", "/api/periodic-sync/status");
    expect(status.body).toMatchObject({ success: true, data: { enabled: true, accounts: 2 } });
    const behavior = await cairo(ADMIN_TOKEN, "POST", "/api/periodic-sync/sync-now", '{"type": "behavior"}');
    expect(behavior).toMatchObject({ status: 202, body: { success: true, type: "behavior" } });
    const jobs = await cairo(ADMIN_TOKEN, "GET", "/api/jobs/status");
    expect(Object.keys(jobs.body.jobs).sort()).toEqual(["calculate_lead_scores", "full_sync", "mixpanel_sync", "periodic_sync"]);
    expect(jobs.body.jobs.mixpanel_sync).toMatchObject({ enabled: false, status: "not_configured", last_run: null, next_run: null });
    expect((await cairo(ADMIN_TOKEN, "GET", "/api/jobs/status/calculate-lead-scores")).body).toMatchObject({ success: true, job_name: "calculate_lead_scores" });
    expect((await cairo(ADMIN_TOKEN, "GET", "/api/jobs/logs/calculate-lead-scores")).body.success).toBe(true);
    expect((await cairo(ADMIN_TOKEN, "POST", "/api/jobs/stop/calculate-lead-scores")).status).toBe(409);
    expect((await cairo(ADMIN_TOKEN, "POST", "/api/jobs/trigger/mixpanel_sync")).body).toMatchObject({ success: false, error: { code: "not_a_job" } });
    const calculate = await cairo(
      ADMIN_TOKEN,
      "POST",
      "/api/scoring/calculate",
      `{
    "forceReenrich": true,
    "maxEnrichment": 100,
    "maxUsers": 500
  }`,
    );
    expect(calculate).toMatchObject({ status: 202, body: { success: true } });
    // The hub's Mixpanel destination is the job.
    const hubKey = (await operator()).apiKey;
    const dest = await apiSend({ namespace: "playmaker", namespaceId: "", writeKey: "", apiKey: hubKey }, "POST", "/api/destinations", { type: "mixpanel", name: "mixpanel", config: { token: "mp-token" } });
    expect(dest.status, JSON.stringify(dest.body)).toBe(201);
    expect((await cairo(ADMIN_TOKEN, "GET", "/api/jobs/status/mixpanel_sync")).body).toMatchObject({ job_name: "mixpanel_sync", enabled: true, status: "healthy" });
  }, 120_000);
});
