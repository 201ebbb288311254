/**
 * The Lead Scoring System's README (seed 003), replayed against
 * /compat/lead-scoring: every request it shows, with its bodies verbatim
 * (plus a key), and the statuses and answer fields it documents.
 */
import { describe, expect, it } from "vitest";
import { api, apiSend, basic, call, eventually, newTenant, timelineOf, type Tenant } from "../helpers";

const BASE = "/compat/lead-scoring";
// The seed README dates its examples 2026-02-11; the replay dates them two days
// before today, so the live-call window (365 days back) and decay never depend on the calendar.
const DOC_DAY = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);

/** Sends `body` exactly as written (a string), as curl -d would, with the key as X-API-Key. */
async function seed(t: Tenant, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await call(`${BASE}${path}`, { method, headers: { "X-API-Key": t.apiKey, ...headers }, body });
  return { status: res.status, body: (await res.json()) as any };
}

const json = { "Content-Type": "application/json" };

async function createAlice(t: Tenant): Promise<string> {
  // Complete Workflow, step 1.
  const created = await seed(t, "POST", "/api/leads", '{"name":"Alice Smith","email":"alice@test.com","company":"TechCorp"}', json);
  expect(created.status).toBe(201);
  expect(created.body._id).toMatch(/^[0-9a-f]{24}$/);
  return created.body._id;
}

/** Complete Workflow, step 2: the three events, verbatim but for the lead id. */
async function fireWorkflowEvents(t: Tenant, leadId: string) {
  for (const [type, id] of [
    ["page_view", "evt_001"],
    ["signup", "evt_002"],
    ["demo_request", "evt_003"],
  ]) {
    const res = await seed(t, "POST", "/api/events", `{"eventType":"${type}","leadId":"${leadId}","eventId":"${id}"}`, json);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ message: "Event queued for processing", eventId: id });
  }
}

describe("Lead Scoring System compat: API Documentation", () => {
  it("GET /api/health answers without a key", async () => {
    const res = await call(`${BASE}/api/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).status).toBe("ok");
  });

  it("POST /api/events takes the documented body and answers 202 with its eventId", async () => {
    const t = await newTenant("lss");
    const res = await seed(
      t,
      "POST",
      "/api/events",
      `{
    "eventType": "page_view",
    "leadId": "lead_123",
    "eventId": "evt_unique_456",
    "timestamp": "${DOC_DAY}T10:30:00Z",
    "properties": {
      "page": "/pricing",
      "duration": 45
    }
  }`,
      json,
    );
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ message: "Event queued for processing", eventId: "evt_unique_456" });
    const timeline = await seed(t, "GET", "/api/leads/lead_123/timeline");
    expect(timeline.status).toBe(200);
    expect(timeline.body[0]).toMatchObject({ eventId: "evt_unique_456", eventType: "page_view", timestamp: `${DOC_DAY}T10:30:00.000Z`, scoreDelta: 5, newScore: 5 });
  });

  it("POST /api/events/batch answers 202 with the count", async () => {
    const t = await newTenant("lss");
    const res = await seed(
      t,
      "POST",
      "/api/events/batch",
      `{
    "events": [
      { "eventType": "page_view", "leadId": "lead_1", "eventId": "evt_1" },
      { "eventType": "signup", "leadId": "lead_2", "eventId": "evt_2" }
    ]
  }`,
      json,
    );
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ message: "2 events queued", count: 2 });
    expect((await seed(t, "GET", "/api/leads/lead_1")).body.currentScore).toBe(5);
    expect((await seed(t, "GET", "/api/leads/lead_2")).body.currentScore).toBe(20);
  });

  it("lead details, timeline, intelligence, lists and leaderboards have the documented fields", async () => {
    const t = await newTenant("lss");
    const id = await createAlice(t);
    await fireWorkflowEvents(t, id);

    const lead = await seed(t, "GET", `/api/leads/${id}`);
    expect(lead.status).toBe(200);
    expect(lead.body).toMatchObject({ _id: id, name: "Alice Smith", email: "alice@test.com", company: "TechCorp", currentScore: 75, leadStage: "hot", eventsLast24h: 3 });
    expect(lead.body.velocityScore).toBeGreaterThan(0);
    expect(Date.parse(lead.body.lastEventAt)).toBeGreaterThan(Date.now() - 60_000);

    const timeline = await seed(t, "GET", `/api/leads/${id}/timeline`);
    expect(timeline.status).toBe(200);
    const scored = timeline.body.filter((e: any) => e.scoreDelta !== 0);
    expect(scored.map((e: any) => [e.eventType, e.scoreDelta, e.newScore])).toEqual([
      ["page_view", 5, 5],
      ["signup", 20, 25],
      ["demo_request", 50, 75],
    ]);
    for (const entry of timeline.body) expect(Object.keys(entry)).toEqual(expect.arrayContaining(["eventType", "timestamp", "scoreDelta", "newScore"]));

    const intelligence = await seed(t, "GET", `/api/leads/${id}/intelligence`);
    expect(intelligence.status).toBe(200);
    expect(intelligence.body).toMatchObject({ riskLevel: "low", velocityTrend: "increasing", nextBestAction: "Send product demo", churnProbability: 0 });
    expect(intelligence.body.engagementScore).toBeGreaterThan(0);
    expect(intelligence.body.engagementScore).toBeLessThanOrEqual(10);

    // Lists and leaderboards read the projection, seconds behind.
    const hot = await eventually(async () => {
      const res = await seed(t, "GET", "/api/leads?page=1&limit=20&stage=hot");
      expect(res.status).toBe(200);
      expect(res.body.leads).toHaveLength(1);
      return res.body;
    });
    expect(hot).toMatchObject({ page: 1, limit: 20, total: 1 });
    expect(hot.leads[0]).toMatchObject({ _id: id, name: "Alice Smith", currentScore: 75, leadStage: "hot" });
    expect((await seed(t, "GET", "/api/leads?page=2&limit=20&stage=hot")).body.leads).toEqual([]);
    expect((await seed(t, "GET", "/api/leads?page=1&limit=20&stage=cold")).body).toMatchObject({ leads: [], total: 0 });

    const board = await seed(t, "GET", "/api/leaderboard?limit=10");
    expect(board.status).toBe(200);
    expect(board.body).toEqual([expect.objectContaining({ rank: 1, _id: id, currentScore: 75, name: "Alice Smith" })]);

    const byStage = await seed(t, "GET", "/api/leaderboard/by-stage");
    expect(byStage.body).toEqual({ cold: 0, warm: 0, hot: 1, qualified: 0 });
  });

  it("scoring rules: lists the seeded defaults, and a created rule scores new events", async () => {
    const t = await newTenant("lss");
    const listed = await seed(t, "GET", "/api/scoring-rules");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ eventType: "page_view", points: 5 }),
        expect.objectContaining({ eventType: "signup", points: 20 }),
        expect.objectContaining({ eventType: "download", points: 10 }),
        expect.objectContaining({ eventType: "demo_request", points: 50 }),
        expect.objectContaining({ eventType: "contract_signed", points: 100 }),
      ]),
    );

    const created = await seed(
      t,
      "POST",
      "/api/scoring-rules",
      `{
    "eventType": "webinar_attended",
    "points": 30,
    "description": "Attended product webinar"
  }`,
      json,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ eventType: "webinar_attended", points: 30 });
    expect((await seed(t, "GET", "/api/scoring-rules")).body).toEqual(
      expect.arrayContaining([expect.objectContaining({ _id: created.body._id, eventType: "webinar_attended", points: 30, isDefault: false })]),
    );
    // New events are scored with the new rule once the namespace's version reaches the ingest path.
    await eventually(async () => {
      const eventId = crypto.randomUUID();
      await seed(t, "POST", "/api/events", JSON.stringify({ eventType: "webinar_attended", leadId: `w-${eventId}`, eventId }), json);
      expect((await seed(t, "GET", `/api/leads/w-${eventId}`)).body.currentScore).toBe(30);
    });
  });

  it("automations: whenStage and minVelocity together, with a webhook action", async () => {
    const t = await newTenant("lss");
    const created = await seed(
      t,
      "POST",
      "/api/automations",
      `{
  "name": "Notify Sales on Qualified",
  "action": "webhook",
  "whenStage": "qualified",
  "minVelocity": 5,
  "config": {
    "url": "https://crm.example.com/webhook",
    "method": "POST"
  }
}`,
      json,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Notify Sales on Qualified", action: "webhook", whenStage: "qualified", minVelocity: 5 });
    const native = await api(t, "/api/automations");
    expect(native.body.automations[0].trigger).toEqual({ type: "stage_becomes", stage: "qualified", minVelocity: 5 });
    expect((await seed(t, "GET", "/api/automations")).body).toEqual([expect.objectContaining({ _id: created.body._id, minVelocity: 5 })]);
    // The one outbound-URL guard applies as on the native route.
    const metadata = await seed(t, "POST", "/api/automations", JSON.stringify({ name: "x", action: "webhook", whenStage: "hot", config: { url: "http://169.254.169.254/latest" } }), json);
    expect(metadata.status).toBe(400);
    expect(metadata.body.error.details.map((d: any) => d.path)).toEqual(["config.url"]);
  });
});

describe("Lead Scoring System compat: Testing & Verification", () => {
  it("Complete Workflow: 5 + 20 + 50 = 75, hot, Alice Smith", async () => {
    const t = await newTenant("lss");
    const id = await createAlice(t);
    await fireWorkflowEvents(t, id);
    const lead = (await seed(t, "GET", `/api/leads/${id}`)).body;
    const picked = { name: lead.name, score: lead.currentScore, stage: lead.leadStage, velocity: lead.velocityScore };
    // The README expects velocity 3 for three fresh events; the core's velocity weighs them (3 fresh events → 1.5, see MIGRATING.md).
    expect(picked).toMatchObject({ name: "Alice Smith", score: 75, stage: "hot" });
    expect(picked.velocity).toBe(1.5);
  });

  it("Idempotency Test: the same eventId twice scores once", async () => {
    const t = await newTenant("lss");
    const id = await createAlice(t);
    const before = (await seed(t, "GET", `/api/leads/${id}`)).body.currentScore;
    // As the README sends them: no Content-Type header at all.
    for (let i = 0; i < 2; i++) {
      const res = await seed(t, "POST", "/api/events", `{"eventType":"signup","leadId":"${id}","eventId":"dup-test"}`);
      expect(res.status).toBe(202);
      expect(res.body.eventId).toBe("dup-test");
    }
    expect((await seed(t, "GET", `/api/leads/${id}`)).body.currentScore).toBe(before + 20);
    const timeline = (await seed(t, "GET", `/api/leads/${id}/timeline`)).body;
    expect(timeline.filter((e: any) => e.eventId === "dup-test")).toEqual([expect.objectContaining({ eventType: "signup", scoreDelta: 20 })]);
  });

  it("Ordering Test: backdated events land in timestamp order", async () => {
    const t = await newTenant("lss");
    const id = await createAlice(t);
    const late = await seed(
      t,
      "POST",
      "/api/events",
      `{
    "eventType":"demo_request",
    "leadId":"${id}",
    "eventId":"evt_late",
    "timestamp":"${DOC_DAY}T12:00:00Z"
  }`,
    );
    const early = await seed(
      t,
      "POST",
      "/api/events",
      `{
    "eventType":"page_view",
    "leadId":"${id}",
    "eventId":"evt_early",
    "timestamp":"${DOC_DAY}T10:00:00Z"
  }`,
    );
    expect([late.status, early.status]).toEqual([202, 202]);
    const timeline = (await seed(t, "GET", `/api/leads/${id}/timeline`)).body.filter((e: any) => e.eventId.startsWith("evt_"));
    expect(timeline.map((e: any) => [e.eventId, e.eventType, e.scoreDelta, e.newScore])).toEqual([
      ["evt_early", "page_view", 5, 5],
      ["evt_late", "demo_request", 50, 55],
    ]);
  });
});

describe("Lead Scoring System compat: keys, errors and tenants", () => {
  it("takes the key as X-API-Key or Authorization: Bearer, and refuses none or a wrong one", async () => {
    const t = await newTenant("lss");
    const body = '{"eventType":"page_view","leadId":"k1","eventId":"e1"}';
    expect((await call(`${BASE}/api/events`, { method: "POST", body })).status).toBe(401);
    expect((await call(`${BASE}/api/events`, { method: "POST", body, headers: { "X-API-Key": "lf_nope" } })).status).toBe(401);
    expect((await call(`${BASE}/api/events`, { method: "POST", body, headers: { Authorization: `Bearer ${t.apiKey}` } })).status).toBe(202);
    const unauthorised = await call(`${BASE}/api/leads/k1`);
    expect(unauthorised.status).toBe(401);
    expect(((await unauthorised.json()) as any).error.code).toBe("unauthorized");
  });

  it("names the bad field and stores nothing", async () => {
    const t = await newTenant("lss");
    const bad = await seed(t, "POST", "/api/events", '{"eventType":"","leadId":"b1","eventId":"e1"}', json);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["eventType"]);
    const badBatch = await seed(t, "POST", "/api/events/batch", '{"events":[{"eventType":"signup","leadId":"b1"},{"leadId":"b1"}]}', json);
    expect(badBatch.status).toBe(400);
    expect(badBatch.body.error.details.map((d: any) => d.path)).toEqual(["events.1.eventType"]);
    expect((await seed(t, "GET", "/api/leads/b1")).status).toBe(404);
    expect((await seed(t, "POST", "/api/leads", '{"company":"NoName Inc"}', json)).status).toBe(400);
  });

  it("another namespace's key sees none of its leads", async () => {
    const t = await newTenant("lss");
    const other = await newTenant("lss");
    const id = await createAlice(t);
    const viaOther = await seed(other, "GET", `/api/leads/${id}`);
    expect(viaOther.status).toBe(404);
    const coreId = (await seed(t, "GET", `/api/leads/${id}`)).body.leadId;
    expect((await seed(other, "GET", `/api/leads/${coreId}`)).status).toBe(404);
    expect((await seed(other, "GET", `/api/leads/${coreId}/timeline`)).status).toBe(404);
    // 64 hex characters that are no lead object's id: not found, not a 500.
    expect((await seed(t, "GET", `/api/leads/${"f".repeat(64)}`)).status).toBe(404);
  });
});

describe("one core: the seed's scenario through the native API gives the same scores", () => {
  it("compat and native agree on score, stage, velocity and timeline", async () => {
    const viaCompat = await newTenant("lss");
    const id = await createAlice(viaCompat);
    await fireWorkflowEvents(viaCompat, id);
    await seed(viaCompat, "POST", "/api/events", `{"eventType":"signup","leadId":"${id}","eventId":"dup-test"}`);
    await seed(viaCompat, "POST", "/api/events", `{"eventType":"page_view","leadId":"${id}","eventId":"evt_early","timestamp":"${DOC_DAY}T10:00:00Z"}`);

    const viaNative = await newTenant("native");
    const track = (event: string, messageId: string, timestamp?: string) => ({ type: "track", userId: "alice", event, messageId, ...(timestamp ? { timestamp } : {}) });
    const sent = await call("/v1/batch", {
      method: "POST",
      headers: { Authorization: basic(viaNative.writeKey), "Content-Type": "application/json" },
      body: JSON.stringify({
        batch: [
          { type: "identify", userId: "alice", traits: { name: "Alice Smith", email: "alice@test.com", company: "TechCorp" } },
          track("page_view", "evt_001"),
          track("signup", "evt_002"),
          track("demo_request", "evt_003"),
          track("signup", "dup-test"),
          track("signup", "dup-test"),
          track("page_view", "evt_early", `${DOC_DAY}T10:00:00Z`),
        ],
      }),
    });
    expect(sent.status).toBe(200);

    const compatLead = (await seed(viaCompat, "GET", `/api/leads/${id}`)).body;
    const nativeLead = (await api(viaNative, "/api/leads/lookup?userId=alice")).body.lead;
    expect(compatLead.currentScore).toBe(nativeLead.score);
    expect(compatLead.leadStage).toBe(nativeLead.stage);
    expect(compatLead.velocityScore).toBe(nativeLead.velocity);
    // The compat lead read through the native API is the same lead.
    const sameLead = (await api(viaCompat, `/api/leads/${compatLead.leadId}`)).body.lead;
    expect([sameLead.score, sameLead.stage]).toEqual([compatLead.currentScore, compatLead.leadStage]);

    const compatDeltas: [string, number][] = (await seed(viaCompat, "GET", `/api/leads/${id}/timeline`)).body.map((e: any) => [e.eventId, e.scoreDelta]);
    // Every scored row matches, the backdated one included.
    const nativeDeltas: [string, number][] = (await timelineOf(viaNative, nativeLead.id)).map((e: any) => [e.messageId, e.scoreDelta]);
    const scored = ([messageId]: [string, number]) => messageId !== "" && !messageId.startsWith("merge:");
    // Events of one native batch share a timestamp, so the order of equal times may differ: compare as sets.
    // The scenario's own events and the decay rows (the identify calls carry generated ids).
    const ours = ([m]: [string, number]) => m.startsWith("evt_") || m === "dup-test" || m.startsWith("decay:");
    const rows = (deltas: [string, number][]) => deltas.filter(scored).filter(ours).map(([m, d]) => `${m} ${d}`).sort();
    expect(rows(compatDeltas)).toEqual(rows(nativeDeltas));
    expect(compatDeltas.length).toBeGreaterThan(5);

    const compatIntel = (await seed(viaCompat, "GET", `/api/leads/${id}/intelligence`)).body;
    const nativeIntel = (await api(viaNative, `/api/leads/${nativeLead.id}/intelligence`)).body;
    expect([compatIntel.engagementScore, compatIntel.churnProbability]).toEqual([nativeIntel.engagementScore, nativeIntel.churnProbability]);
  });

  it("a native namespace API key call with apiSend reaches the same compat routes", async () => {
    const t = await newTenant("lss");
    const res = await apiSend(t, "POST", `${BASE}/api/leads`, { name: "Bob", email: "bob@test.com" });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe("Bob");
  });
});

describe("Lead Scoring System compat: identity resolution, as the FAQ describes it", () => {
  it("an identify event providing an email merges the anonymous lead into the known contact; two known contacts never merge", async () => {
    const t = await newTenant("lss");
    const alice = await createAlice(t);
    const bob = (await seed(t, "POST", "/api/leads", '{"name":"Bob Jones","email":"bob@test.com","company":"Other"}', json)).body._id as string;

    // A visitor known only by its leadId browses, then identifies with Alice's email.
    expect((await seed(t, "POST", "/api/events", '{"eventType":"page_view","leadId":"anon_visitor","eventId":"anon_1"}', json)).status).toBe(202);
    expect((await seed(t, "GET", "/api/leads/anon_visitor")).body).toMatchObject({ currentScore: 5, email: null });
    const identified = await seed(t, "POST", "/api/events", '{"eventType":"identify","leadId":"anon_visitor","eventId":"anon_2","properties":{"email":"alice@test.com"}}', json);
    expect(identified.status).toBe(202);

    await eventually(async () => {
      const merged = (await seed(t, "GET", "/api/leads/anon_visitor")).body;
      const contact = (await seed(t, "GET", `/api/leads/${alice}`)).body;
      // One lead: the contact, with the visitor's page view in its score.
      expect(merged.leadId).toBe(contact.leadId);
      expect(contact).toMatchObject({ email: "alice@test.com", name: "Alice Smith", currentScore: 5 });
    });
    const timeline = (await seed(t, "GET", `/api/leads/${alice}/timeline`)).body as any[];
    expect(timeline.map((e) => e.eventId)).toContain("anon_1");

    // Alice's record identifying with Bob's email: two known contacts stay apart.
    expect((await seed(t, "POST", "/api/events", `{"eventType":"identify","leadId":"${alice}","eventId":"conflict_1","properties":{"email":"bob@test.com"}}`, json)).status).toBe(202);
    const [a, b] = [(await seed(t, "GET", `/api/leads/${alice}`)).body, (await seed(t, "GET", `/api/leads/${bob}`)).body];
    expect(a.leadId).not.toBe(b.leadId);
    expect([a.email, b.email]).toEqual(["alice@test.com", "bob@test.com"]);
  });
});

describe("Lead Scoring System compat: the rest of the README", () => {
  it("the worker's health check answers at /health; JWT login is not served (404)", async () => {
    const health = await call(`${BASE}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as any).status).toBe("ok");
    const t = await newTenant("lss");
    for (const path of ["/api/auth/login", "/api/auth/generate-api-key"]) {
      expect((await call(`${BASE}${path}`, { method: "POST", headers: json, body: '{"email": "user@example.com", "password": "password"}' })).status).toBe(404);
      expect((await seed(t, "POST", path, "{}", json)).status).toBe(404);
    }
  });

  it("X-RateLimit-Reset is a Unix time on the seed APIs and seconds from now on the native API", async () => {
    const t = await newTenant("lss");
    const before = Math.floor(Date.now() / 1000);
    const compat = await call(`${BASE}/api/scoring-rules`, { headers: { "X-API-Key": t.apiKey } });
    const reset = Number(compat.headers.get("X-RateLimit-Reset"));
    expect(reset).toBeGreaterThanOrEqual(before);
    // The test's bucket refills within its 60 s period.
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    const native = await call("/api/scoring-rules", { headers: { Authorization: `Bearer ${t.apiKey}` } });
    expect(Number(native.headers.get("X-RateLimit-Reset"))).toBeLessThanOrEqual(60);
  });
});
