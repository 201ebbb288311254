import { describe, expect, it } from "vitest";
import { api, apiSend, eventually, leadByUserId, newTenant, send, timelineOf, type Tenant } from "../helpers";

const recent = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

async function rescoreDone(t: Tenant) {
  return eventually(async () => {
    const { body } = await api(t, "/api/scoring-rules/rescore-status");
    expect(body.job.status).toBe("completed");
    return body.job;
  });
}

async function projected(t: Tenant, count: number) {
  return eventually(async () => {
    const { body } = await api(t, "/api/leads?limit=500");
    expect(body.leads).toHaveLength(count);
    return body.leads;
  });
}

describe("scoring rules API", () => {
  it("creates, lists, updates and deletes rules, naming bad fields", async () => {
    const t = await newTenant();
    const bad = await apiSend(t, "POST", "/api/scoring-rules", { event: "", points: "ten", conditions: [{ property: "x", op: "like" }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["event", "points", "conditions.0.op"]);

    const created = await apiSend(t, "POST", "/api/scoring-rules", {
      event: "Page View",
      points: 15,
      conditions: [{ property: "properties.path", op: "starts_with", value: "/pricing" }],
    });
    expect(created.status).toBe(201);
    expect(created.body.rule).toMatchObject({ event: "page_view", points: 15, cap: null });
    const id = created.body.rule.id;
    expect((await api(t, "/api/scoring-rules")).body.rules).toHaveLength(1);

    const updated = await apiSend(t, "PUT", `/api/scoring-rules/${id}`, { event: "page_view", points: 25, cap: 50 });
    expect(updated.body.rule).toMatchObject({ points: 25, cap: 50, conditions: [] });

    const other = await newTenant();
    expect((await apiSend(other, "DELETE", `/api/scoring-rules/${id}`)).status).toBe(404);
    expect((await api(other, "/api/scoring-rules")).body.rules).toEqual([]);

    expect((await apiSend(t, "DELETE", `/api/scoring-rules/${id}`)).status).toBe(200);
    expect((await api(t, "/api/scoring-rules")).body.rules).toEqual([]);
    expect((await apiSend(t, "DELETE", `/api/scoring-rules/${id}`)).status).toBe(404);
  });

  it("rescores every lead in the background after a rule change", async () => {
    const t = await newTenant();
    for (let i = 0; i < 5; i++) {
      await send(t, "/v1/batch", {
        batch: [
          { type: "page", userId: `r${i}`, properties: { path: "/pricing" }, timestamp: recent(30) },
          { type: "page", userId: `r${i}`, properties: { path: "/blog" }, timestamp: recent(20) },
          { type: "track", userId: `r${i}`, event: "Demo Request", timestamp: recent(10) },
        ],
      });
    }
    await projected(t, 5);
    expect((await leadByUserId(t, "r0")).behaviourScore).toBe(60);

    const res = await apiSend(t, "POST", "/api/scoring-rules", {
      event: "page_view",
      points: 15,
      conditions: [{ property: "properties.path", op: "starts_with", value: "/pricing" }],
    });
    expect(res.body.rescore).toMatchObject({ status: "queued", total: 5 });
    const job = await rescoreDone(t);
    expect(job).toMatchObject({ processed: 5, percentage: 100 });
    for (let i = 0; i < 5; i++) expect((await leadByUserId(t, `r${i}`)).behaviourScore).toBe(70);
    await eventually(async () => {
      const leads = (await api(t, "/api/leads")).body.leads;
      expect(leads.map((l: any) => l.score)).toEqual([70, 70, 70, 70, 70]);
    });

    // A capped rule: demo requests worth 40 each, at most 60 per lead.
    await apiSend(t, "POST", "/api/scoring-rules", { event: "demo_request", points: 40, cap: 60 });
    await rescoreDone(t);
    await send(t, "/v1/track", { userId: "r0", event: "Demo Request", timestamp: recent(5) });
    await send(t, "/v1/track", { userId: "r0", event: "Demo Request", timestamp: recent(4) });
    const capped = await leadByUserId(t, "r0");
    expect(capped.behaviourScore).toBe(15 + 5 + 60);
  });

  it("scores ICP from identify and group traits, with a configurable table", async () => {
    const t = await newTenant();
    await send(t, "/v1/identify", { userId: "icp", traits: { employees: 120, annual_revenue: 20_000_000 }, timestamp: recent(3) });
    await send(t, "/v1/group", { userId: "icp", groupId: "acme", traits: { funding_stage: "Series B" }, timestamp: recent(2) });
    await send(t, "/v1/track", { userId: "icp", event: "Signup", timestamp: recent(1) });
    const lead = await leadByUserId(t, "icp");
    expect([lead.icpScore, lead.behaviourScore, lead.score, lead.grade, lead.stage]).toEqual([100, 20, 120, "A+", "cold"]);

    const table = { companySize: [{ min: 100, max: null, points: 50 }], annualRevenue: [], funding: { series_b: 5 } };
    expect((await apiSend(t, "PUT", "/api/icp-table", table)).status).toBe(200);
    await eventually(async () => expect((await leadByUserId(t, "icp")).icpScore).toBe(55));
    expect((await api(t, "/api/icp-table")).body.icpTable).toEqual(table);
  });

  it("records stage changes with their time and explains the lead", async () => {
    const t = await newTenant();
    const times = [recent(40), recent(30), recent(20)];
    await send(t, "/v1/track", { userId: "stages", event: "Signup", timestamp: times[0] });
    await send(t, "/v1/track", { userId: "stages", event: "Demo Request", timestamp: times[1] });
    await send(t, "/v1/track", { userId: "stages", event: "Contract Signed", timestamp: times[2] });
    const lead = await leadByUserId(t, "stages");
    expect(lead.stageChanges.map((s: any) => [s.from, s.to])).toEqual([
      [null, "cold"],
      ["cold", "hot"],
      ["hot", "qualified"],
    ]);
    // Each change is at the time of the event that made it (event time, not arrival).
    expect(lead.stageChanges.map((s: any) => s.at)).toEqual(times);
    const { status, body } = await api(t, `/api/leads/${lead.id}/intelligence`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ eventsLast24h: 3, eventsLast7d: 3, riskLevel: "low", nextBestAction: { action: "hand_off_to_sales" } });
    expect(body.velocity).toBeGreaterThan(0);
  });
});
