import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { projectionQueue, type ProjectionUpsert } from "../../../src/contracts/projection-queue";
import { leadObjectName } from "../../../src/ingest/lead-name";
import { LeadCore, PROJECTED } from "../../../durable/lead-core";
import { api, eventually, newTenant, send } from "../helpers";

const LEADS = 200;
const EVENTS = 1000;
const NAMES = ["Page View", "Signup", "Email Opened", "Download", "Demo Request", "Email Replied", "Button Clicked"];

async function allPages(path: string, t: Awaited<ReturnType<typeof newTenant>>) {
  const leads: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { leads: any[]; nextCursor: string | null } } = await api(t, `${path}${cursor ? `&cursor=${cursor}` : ""}`);
    leads.push(...page.body.leads);
    cursor = page.body.nextCursor;
  } while (cursor);
  return leads;
}

describe("lead projection", () => {
  it("converges after 1,000 events for 200 leads: list, leaderboard, by-stage and stats agree with the lead objects", async () => {
    const t = await newTenant();
    const start = Date.now() - 3_600_000;
    const batch = Array.from({ length: EVENTS }, (_, i) => ({
      type: "track",
      userId: `p${(i * 7) % LEADS}`,
      event: NAMES[(i * 13) % NAMES.length],
      timestamp: new Date(start + i * 1000).toISOString(),
    }));
    for (let i = 0; i < EVENTS; i += 100) expect((await send(t, "/v1/batch", { batch: batch.slice(i, i + 100) })).status).toBe(200);

    const truth = new Map<string, any>();
    for (let u = 0; u < LEADS; u++) {
      const lead = (await api(t, `/api/leads/lookup?userId=p${u}`)).body.lead;
      truth.set(lead.id, lead);
    }
    expect([...truth.values()].reduce((n, l) => n + l.eventCount, 0)).toBe(EVENTS);

    const listed = await eventually(async () => {
      const leads = await allPages("/api/leads?limit=37", t);
      expect(leads).toHaveLength(LEADS);
      for (const row of leads) {
        const lead = truth.get(row.id);
        expect([row.score, row.eventCount, row.stage, row.grade]).toEqual([lead.score, lead.eventCount, lead.stage, lead.grade]);
      }
      return leads;
    }, 30_000);
    expect(new Set(listed.map((l) => l.id)).size).toBe(LEADS);
    const scores = listed.map((l) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const sortedTruth = [...truth.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    const board = (await api(t, "/api/leaderboard?limit=10")).body.leads;
    expect(board.map((l: any) => [l.rank, l.id])).toEqual(sortedTruth.slice(0, 10).map((l, i) => [i + 1, l.id]));

    const byStage = (await api(t, "/api/leaderboard/by-stage?limit=3")).body.stages;
    for (const stage of byStage) {
      const inStage = sortedTruth.filter((l) => l.stage === stage.stage);
      expect(stage.count).toBe(inStage.length);
      expect(stage.leads.map((l: any) => l.id)).toEqual(inStage.slice(0, 3).map((l) => l.id));
    }

    const stats = (await api(t, `/api/namespaces/${t.namespace}/stats`)).body;
    expect([stats.leads, stats.events]).toEqual([LEADS, EVENTS]);
    expect(Object.values(stats.byStage as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(LEADS);
  });

  it("filters, sorts by last activity and pages without repeats", async () => {
    const t = await newTenant();
    const now = Date.now();
    for (let i = 0; i < 12; i++) {
      const events = i % 3 === 0 ? ["Demo Request", "Signup"] : ["Page View"];
      await send(t, "/v1/batch", { batch: events.map((event, j) => ({ type: "track", userId: `f${i}`, event, timestamp: new Date(now - (12 - i) * 60_000 + j).toISOString() })) });
    }
    await eventually(async () => expect((await api(t, "/api/leads?limit=100")).body.leads).toHaveLength(12));
    const hot = (await api(t, "/api/leads?stage=hot")).body.leads;
    expect(hot.map((l: any) => l.userId).sort()).toEqual(["f0", "f3", "f6", "f9"]);
    expect((await api(t, "/api/leads?grade=B%2B")).body.leads).toHaveLength(4);
    expect((await api(t, "/api/leads?grade=F")).body.leads).toHaveLength(8);
    expect((await api(t, "/api/leads?minScore=10")).body.leads).toHaveLength(4);
    const byActivity = await allPages("/api/leads?sort=last_activity&limit=5", t);
    expect(byActivity.map((l) => l.userId)).toEqual(Array.from({ length: 12 }, (_, i) => `f${11 - i}`));
    expect((await api(t, "/api/leads?updatedSince=2999-01-01T00:00:00Z")).body.leads).toEqual([]);
    const bad = await api(t, "/api/leads?stage=lukewarm&cursor=zzz");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path).sort()).toEqual(["cursor", "stage"]);
  });

  it("sends a new lead's first summary soon, and gathers a known lead's burst of changes for an interval", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "gather-user", event: "Signup" });
    await eventually(async () => expect((await api(t, "/api/leads")).body.leads).toHaveLength(1));
    const lead = env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "gather-user"));
    // The projection took the first summary: the lead is marked as known to it.
    await eventually(async () =>
      expect(await runInDurableObject(lead, (_instance, state) => state.storage.sql.exec("SELECT value FROM meta WHERE key = ?", PROJECTED).toArray())).toEqual([{ value: "1" }]),
    );
    // When the alarm goes for a change, over the lead's own storage with a 60 s interval.
    const due = await runInDurableObject(lead, (_instance, state) => {
      const core = new LeadCore(state, () => ({ ...env, PROJECTION_INTERVAL_SECONDS: "60" }));
      const now = Date.now();
      core.deliveries = false;
      const known = core.flushAt(now) - now;
      core.projectionDueAt = now + 100_000;
      const afterASend = core.flushAt(now) - now;
      core.deliveries = true;
      const delivering = core.flushAt(now) - now;
      return { known, afterASend, delivering };
    });
    const unknown = await runInDurableObject(env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "gather-never-sent")), (_instance, state) => {
      const core = new LeadCore(state, () => ({ ...env, PROJECTION_INTERVAL_SECONDS: "60" }));
      core.deliveries = false;
      const now = Date.now();
      return core.flushAt(now) - now;
    });
    expect(due.known).toBeGreaterThanOrEqual(48_000); // the interval, ±20%
    expect(due.known).toBeLessThanOrEqual(72_000);
    expect(due.afterASend).toBe(100_000); // never sooner than the interval after the last summary
    expect(due.delivering).toBe(2_000); // deliveries wait for nothing
    expect(unknown).toBe(2_000); // a lead new to the projection shows in lists at once
  });

  it("drops a lead merged into another from the projection", async () => {
    const t = await newTenant();
    await send(t, "/v1/page", { anonymousId: "proj-anon", timestamp: new Date(Date.now() - 60_000).toISOString() });
    await send(t, "/v1/track", { userId: "proj-user", event: "Signup" });
    await eventually(async () => expect((await api(t, "/api/leads")).body.leads).toHaveLength(2));
    await send(t, "/v1/identify", { userId: "proj-user", anonymousId: "proj-anon" });
    await eventually(async () => {
      const leads = (await api(t, "/api/leads")).body.leads;
      expect(leads).toHaveLength(1);
      expect([leads[0].eventCount, leads[0].score]).toEqual([3, 25]);
    });
  });

  it("keeps the newest summary of a lead: a stale or redelivered one never moves its row back, also within one batch", async () => {
    const t = await newTenant();
    const summary = (leadId: string, version: number, score: number): ProjectionUpsert => ({
      kind: "upsert",
      namespaceId: t.namespaceId,
      leadId,
      version,
      scoringVersion: 0,
      eventCount: 1,
      firstSeen: 1,
      lastActivity: 1,
      score,
      behaviourScore: score,
      icpScore: 0,
      stage: "cold",
      grade: "F",
      velocity: 0,
      userId: `user-${score}`,
      email: null,
    });
    const leadId = env.LEAD.idFromName(`${t.namespaceId}:stale-test`).toString();
    const control = env.LEAD.idFromName(`${t.namespaceId}:stale-control`).toString();
    const row = () => env.DB.prepare("SELECT version, score, user_id AS userId FROM lead_projection WHERE lead_id = ?").bind(leadId).first<{ version: number; score: number; userId: string }>();
    const queue = projectionQueue(env, leadId);

    await queue.send(summary(leadId, 5, 50));
    await eventually(async () => expect(await row()).toEqual({ version: 5, score: 50, userId: "user-50" }));
    // Older and newer summaries of the lead in one batch: the newest wins, whatever the order.
    await queue.sendBatch([{ body: summary(leadId, 3, 30) }, { body: summary(leadId, 7, 70) }, { body: summary(leadId, 6, 60) }]);
    await eventually(async () => expect(await row()).toEqual({ version: 7, score: 70, userId: "user-70" }));
    // A redelivered older one, then a control summary behind it on the same queue.
    await queue.send(summary(leadId, 4, 40));
    await queue.send(summary(control, 1, 10));
    await eventually(async () => expect(await env.DB.prepare("SELECT count(*) AS n FROM lead_projection WHERE lead_id = ?").bind(control).first("n")).toBe(1));
    expect(await row()).toEqual({ version: 7, score: 70, userId: "user-70" });
  });
});
