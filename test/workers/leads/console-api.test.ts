// The APIs the console is built on: a score explained, a rule previewed
// before it is saved, the overview, the CSV export and read-only keys.
import { describe, expect, it } from "vitest";
import { adminHeaders, api, apiSend, call, eventually, leadByUserId, newOrg, newTenant, orgSend, send, type Tenant } from "../helpers";
import { explainScore, icpParts } from "../../../src/scoring/explain";
import { previewRules } from "../../../src/scoring/preview";
import { csvField } from "../../../src/leads/csv";
import { leadCsvStream } from "../../../src/leads/csv-stream";
import { env } from "cloudflare:workers";
import { firstHourKept, hourlySeries, HOUR_MS } from "../../../src/leads/hourly";

const recent = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

async function projected(t: Tenant, count: number) {
  return eventually(async () => {
    const { body } = await api(t, "/api/leads?limit=500");
    expect(body.leads).toHaveLength(count);
    return body.leads;
  });
}

describe("pure parts", () => {
  it("explains rows by rule, event, decay and retention baseline, adding up", () => {
    const rules = [{ id: "r1", event: "page_view", points: 15, conditions: [{ property: "properties.path", op: "starts_with" as const, value: "/pricing" }], cap: null }];
    const rows = [
      { type: "retained", name: "retained", scoreDelta: 0, runningScore: 12, event: {} },
      { type: "page", name: "page_view", scoreDelta: 15, runningScore: 27, event: { properties: { path: "/pricing" } } },
      { type: "page", name: "page_view", scoreDelta: 5, runningScore: 32, event: { properties: { path: "/blog" } } },
      { type: "track", name: "demo_request", scoreDelta: 50, runningScore: 82, event: {} },
      { type: "decay", name: "decay", scoreDelta: -4.1, runningScore: 77.9, event: {} },
      { type: "merge", name: "merge", scoreDelta: 0, runningScore: 77.9, event: {} },
    ];
    const e = explainScore(rows, rules, { employees: 30, fundingStage: "Series A" });
    expect(e.behaviour.byRule.map((c) => [c.key, c.points, c.count])).toEqual([["default", 55, 2], ["r1", 15, 1]]);
    expect(e.behaviour.byEvent.map((c) => [c.key, c.points])).toEqual([["page_view", 20], ["demo_request", 50]].sort((a, b) => (b[1] as number) - (a[1] as number)));
    expect(e.behaviour).toMatchObject({ decay: -4.1, retained: 12, total: 77.9 });
    expect(e.icp).toEqual({ total: 45, companySize: 30, annualRevenue: 0, funding: 15, cappedBy: 0 });
    expect(e.score).toBe(122.9);
    expect(icpParts({ employees: 100, annualRevenue: 20_000_000, fundingStage: "series_b" }, { companySize: [{ min: 1, max: null, points: 90 }], annualRevenue: [{ min: 0, max: null, points: 40 }], funding: {} })).toMatchObject({ total: 100, cappedBy: -30 });
  });

  it("previews stage moves and the distribution under proposed rules", () => {
    const now = Date.now();
    const lead = (pages: number) => ({
      icpScore: 0,
      rows: Array.from({ length: pages }, (_, i) => ({ type: "page", name: "page_view", ts: now - (pages - i) * 60_000, scoreDelta: 5, runningScore: 5 * (i + 1), event: {} })),
    });
    const leads = [lead(2), lead(6), lead(20)]; // 10 (cold), 30 (warm), 100 (qualified)
    const preview = previewRules(leads, [{ id: "p", event: "page_view", points: 10, conditions: [], cap: 70 }], now);
    expect(preview).toMatchObject({ leads: 3, stageChanges: 2 });
    expect(preview.moves).toEqual({ "warm→hot": 1, "qualified→hot": 1 });
    expect(preview.distribution.before).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(preview.distribution.after).toEqual([0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0]);
    expect(preview.averageScore).toEqual({ before: 46.67, after: 50 }); // 10, 30, 100 → 20, 60, 70
  });

  it("quotes CSV fields and defuses spreadsheet formulas", () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField(-5)).toBe("-5");
    expect(csvField(null)).toBe("");
  });
});

describe("console APIs", () => {
  it("explains a lead's score: the parts add up to the score the lead reports", async () => {
    const t = await newTenant();
    const rule = await apiSend(t, "POST", "/api/scoring-rules", { event: "page_view", points: 15, conditions: [{ property: "properties.path", op: "starts_with", value: "/pricing" }] });
    expect(rule.status).toBe(201);
    await send(t, "/v1/batch", {
      batch: [
        { type: "identify", userId: "x1", traits: { employees: 30, funding_stage: "Series A" }, timestamp: daysAgo(12) },
        { type: "page", userId: "x1", properties: { path: "/pricing" }, timestamp: daysAgo(12) },
        { type: "track", userId: "x1", event: "Demo Request", timestamp: daysAgo(12) },
      ],
    });
    const lead = await eventually(async () => {
      const found = await leadByUserId(t, "x1");
      expect(found.eventCount).toBe(3);
      return found;
    });
    const { status, body } = await api(t, `/api/leads/${lead.id}/explain`);
    expect(status).toBe(200);
    expect(body.behaviour.byRule.find((c: any) => c.key === rule.body.rule.id)).toMatchObject({ points: 15, count: 1 });
    expect(body.behaviour.byEvent.find((c: any) => c.key === "demo_request").points).toBe(50);
    expect(body.behaviour.decay).toBeLessThan(0); // 12 days quiet: four decay steps
    expect(body.icp).toMatchObject({ companySize: 30, funding: 15, total: 45 });
    const now = (await leadByUserId(t, "x1")).score;
    expect(body.score).toBe(now);
    expect(body.history.at(-1).behaviour).toBe(body.behaviour.total);
    expect(body.stageChanges.length).toBeGreaterThan(0);

    const other = await newTenant();
    expect((await api(other, `/api/leads/${lead.id}/explain`)).status).toBe(404);
  });

  it("previews a rule on the namespace's leads without saving it", async () => {
    const t = await newTenant();
    for (let i = 0; i < 3; i++) {
      await send(t, "/v1/batch", { batch: Array.from({ length: 2 + i * 2 }, (_, j) => ({ type: "page", userId: `p${i}`, properties: { path: "/pricing" }, timestamp: recent(30 - j) })) });
    }
    await projected(t, 3); // 10, 20 and 30 points: cold, cold, warm
    const bad = await apiSend(t, "POST", "/api/scoring-rules/preview", { rule: { event: "page_view", points: "x" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("rule.points");
    const { status, body } = await apiSend(t, "POST", "/api/scoring-rules/preview", { rule: { event: "page_view", points: 10, conditions: [] } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ sampled: 3, leads: 3, stageChanges: 2, moves: { "cold→warm": 1, "warm→hot": 1 } });
    expect(body.distribution.before).toEqual([0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(body.distribution.after).toEqual([0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0]);
    expect((await api(t, "/api/scoring-rules")).body.rules).toEqual([]);
    expect((await apiSend(t, "POST", "/api/scoring-rules/preview", { id: crypto.randomUUID() })).status).toBe(404);
  });

  it("lists the event names recent leads hold, what scores each, and the default table", async () => {
    const t = await newTenant();
    await send(t, "/v1/batch", {
      batch: [
        { type: "page", userId: "e1", properties: { path: "/pricing" }, timestamp: recent(30) },
        { type: "track", userId: "e1", event: "Signup", timestamp: recent(20) },
        { type: "track", userId: "e2", event: "Whitepaper Downloaded", timestamp: recent(10) },
        { type: "track", userId: "e2", event: "Whitepaper Downloaded", timestamp: recent(9) },
        { type: "identify", userId: "e2", traits: { email: "e2@example.com" }, timestamp: recent(8) },
      ],
    });
    await projected(t, 2);
    expect((await apiSend(t, "POST", "/api/scoring-rules", { event: "signup", points: 30 })).status).toBe(201);
    await eventually(async () => {
      const { status, body } = await api(t, "/api/scoring-rules/events");
      expect(status).toBe(200);
      expect(body.sampled).toBe(2);
      expect(body.events).toEqual([
        { name: "whitepaper_downloaded", events: 2, leads: 1, points: 0, scoredBy: "nothing" },
        expect.objectContaining({ name: "page_view", events: 1, leads: 1, points: 5, scoredBy: "default" }),
        expect.objectContaining({ name: "signup", events: 1, leads: 1, scoredBy: "rule" }),
      ]);
      expect(body.defaults).toMatchObject({ page_view: 5, demo_request: 50 });
    });
  });

  it("exports every filtered lead as CSV across pages, and shows the overview", async () => {
    const t = await newTenant();
    const batch = Array.from({ length: 9 }, (_, i) => ({ type: "track", userId: `c${i}`, event: i % 3 ? "Signup" : "Download", timestamp: recent(5) }));
    expect((await send(t, "/v1/batch", { batch })).status).toBe(200);
    await projected(t, 9);
    const res = await call("/api/leads/export.csv?minScore=15", { headers: { Authorization: `Bearer ${t.apiKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/csv");
    const lines = (await res.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,email,userId,score,behaviourScore,icpScore,stage,grade,velocity,conversionProbability,eventCount,firstSeen,lastActivity,company,name");
    expect(lines).toHaveLength(1 + 6); // the signups (20 points); downloads (10) are filtered out

    // Pages of two: every lead once, in list order.
    const streamed = await new Response(leadCsvStream(env.DB, t.namespaceId, { sort: "score" }, 2, false)).text();
    const ids = streamed.trimEnd().split("\r\n").slice(1).map((l) => l.split(",")[0]);
    const listed = (await api(t, "/api/leads?limit=100")).body.leads.map((l: any) => l.id);
    expect(ids).toEqual(listed);
    expect(new Set(ids).size).toBe(9);

    const overview = (await api(t, "/api/leads/overview")).body;
    expect(overview.byStage).toEqual({ cold: 9 });
    expect(overview.scoreHistogram).toEqual([0, 3, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(overview.topMovers).toHaveLength(9);
  });

  it("counts events per hour of the last 24 hours from the projection, for this namespace only", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const now = Date.now();
    const hourStart = (hoursAgo: number) => (Math.floor(now / HOUR_MS) - hoursAgo) * HOUR_MS;
    // [lead, timestamp]: two leads over the day; one event 30 h ago (outside); a lead last seen two days ago.
    const events: Array<[string, number]> = [
      ["h1", now],
      ["h1", now],
      ["h2", now],
      ["h1", hourStart(2) + 60_000],
      ["h2", hourStart(5) + 1_000],
      ["h2", hourStart(5) + 2_000],
      ["h1", hourStart(22) + 5_000],
      ["h1", now - 30 * HOUR_MS],
      ["old", now - 48 * HOUR_MS],
    ];
    const batch = events.map(([userId, ts], i) => ({ type: "track", userId, event: `E${i}`, timestamp: new Date(ts).toISOString() }));
    expect((await send(t, "/v1/batch", { batch })).status).toBe(200);
    expect((await send(other, "/v1/batch", { batch: [{ type: "track", userId: "x", event: "Other", timestamp: new Date(now).toISOString() }] })).status).toBe(200);
    await projected(t, 3);

    await eventually(async () => {
      const { eventsPerHour } = (await api(t, "/api/leads/overview")).body;
      // Placed by the hour the server counted from, so a test crossing an hour still knows where each event falls.
      const first = Date.parse(eventsPerHour.from) / HOUR_MS;
      const expected = new Array(24).fill(0);
      for (const [, ts] of events) {
        const i = Math.floor(ts / HOUR_MS) - first;
        if (i >= 0 && i < 24) expected[i]++;
      }
      expect(eventsPerHour.counts).toEqual(expected);
      expect(eventsPerHour.counts.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThanOrEqual(6);
    });
  });

  it("places hourly counts in the last 24 hours, oldest first", () => {
    const now = Date.UTC(2026, 0, 2, 10, 30);
    const hour = Math.floor(now / HOUR_MS);
    expect(firstHourKept(now)).toBe(hour - 23);
    const series = hourlySeries([{ hour, events: 3 }, { hour: hour - 23, events: 2 }, { hour: hour - 24, events: 9 }, { hour: hour + 1, events: 9 }, { hour, events: 1 }], now);
    expect(series).toHaveLength(24);
    expect(series[23]).toBe(4);
    expect(series[0]).toBe(2);
    expect(series.reduce((a, b) => a + b, 0)).toBe(6);
  });

  it("a read-scoped key reads but may not change anything", async () => {
    const t = await newTenant();
    const bad = await call(`/api/namespaces/${t.namespace}/api-keys`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "viewer", scope: "admin" }) });
    expect(bad.status).toBe(400);
    const created = await call(`/api/namespaces/${t.namespace}/api-keys`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "viewer", scope: "read" }) });
    const { key, apiKey } = (await created.json()) as any;
    expect(apiKey.scope).toBe("read");
    const listed = (await (await call(`/api/namespaces/${t.namespace}/api-keys`, { headers: adminHeaders() })).json()) as any;
    expect(listed.apiKeys.map((k: any) => [k.name, k.scope])).toEqual([["tests", "write"], ["viewer", "read"]]);
    const viewer: Tenant = { ...t, apiKey: key };
    expect((await api(viewer, "/api/me")).body).toEqual({ namespace: t.namespace, admin: false, scope: "read" });
    expect((await api(t, "/api/me")).body.scope).toBe("write");
    expect((await api(viewer, "/api/scoring-rules")).status).toBe(200);
    const refused = await apiSend(viewer, "POST", "/api/scoring-rules", { event: "signup", points: 5 });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("read_only_key");
    expect((await apiSend(viewer, "PUT", "/api/icp-table", { companySize: [], annualRevenue: [], funding: {} })).status).toBe(403);
    expect((await api(t, "/api/scoring-rules")).body.rules).toEqual([]);
  });

  it("counts the lead buffers of the namespace's organisations, and no other namespace's", async () => {
    const t = await newTenant();
    const org = await newOrg(t);
    const leads = ["a@x.test", "b@x.test", "c@x.test"].map((email, i) => ({ email, externalId: `e${i}` }));
    expect((await orgSend(org, "POST", "/buffer/push", { namespace: "sdr", clerkOrgId: org.clerkOrgId, parentRunId: "r", leads })).status).toBe(200);
    expect((await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: "run-1" })).body.found).toBe(true);
    const { body } = await api(t, "/api/buffers");
    expect(body.orgs).toEqual([{ id: expect.any(String), clerkOrgId: org.clerkOrgId, appId: org.appId, buffers: [{ namespace: "sdr", buffered: 2, claimed: 1, expiredClaims: 0, served: 0, reclaimed: 0 }] }]);
    expect((await api(await newTenant(), "/api/buffers")).body.orgs).toEqual([]);
  });
});
