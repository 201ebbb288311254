import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { api, apiSend, call, eventually, newTenant, send, type Tenant } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";
import { SYNTHETIC_OUTCOME, syntheticHistories } from "./generator";
import { examplesOf, snapshotPlan } from "../../../src/predict/examples";
import { trainModel, type TrainingOutcome } from "../../../src/predict/train";
import { saveModel } from "../../../src/db/prediction";

/**
 * Serving: a lead's conversion probability is computed when its summary is
 * built and projected, so lists, the leaderboard and the CSV show and sort by
 * it. The models are trained here on the generator's histories (built from
 * now, never a fixed date) and stored as a training run stores them, before
 * the namespaces' leads send their first summary.
 */
async function trained(signal: boolean, now: number): Promise<Extract<TrainingOutcome, { status: "trained" }>> {
  const plan = snapshotPlan(now);
  const examples = syntheticHistories({ now, signal, seed: signal ? 1 : 2 }).flatMap((h) => examplesOf(h, SYNTHETIC_OUTCOME, plan));
  const outcome = await trainModel(examples, SYNTHETIC_OUTCOME.events, now);
  if (outcome.status !== "trained") throw new Error(outcome.reason);
  return outcome;
}

/** [userId, employees, pricing page views in the last days]: the generator's truth ranks them by size and pricing visits. */
const LEADS: Array<[string, number, number]> = [
  ["big-pricing", 5000, 4],
  ["big-quiet", 5000, 0],
  ["mid-pricing", 200, 3],
  ["small-pricing", 10, 2],
  ["small-quiet", 10, 0],
];

async function ingest(t: Tenant, now: number): Promise<void> {
  const at = (ago: number) => new Date(now - ago).toISOString();
  const batch = LEADS.flatMap(([userId, employees, pricing]) => [
    { type: "identify", userId, messageId: `${userId}-id`, timestamp: at(20 * 86_400_000), traits: { employees, industry: "software" } },
    { type: "page", userId, messageId: `${userId}-home`, timestamp: at(10 * 86_400_000), name: "home" },
    ...Array.from({ length: pricing }, (_, i) => ({ type: "page", userId, messageId: `${userId}-p${i}`, timestamp: at((i + 1) * 3_600_000), name: "pricing" })),
  ]);
  expect((await send(t, "/v1/batch", { batch })).status).toBe(200);
}

type ProjectedRow = { lead_id: string; conversion_probability: number | null; conversion_features: string | null };

/** The namespace's projection rows once every lead is there (and, when asked, carries its probability). */
async function projected(t: Tenant, withProbability: boolean): Promise<ProjectedRow[]> {
  return eventually(async () => {
    const rows = await env.DB.prepare("SELECT lead_id, conversion_probability, conversion_features FROM lead_projection WHERE namespace_id = ?")
      .bind(t.namespaceId)
      .all<ProjectedRow>();
    expect(rows.results).toHaveLength(LEADS.length);
    if (withProbability) for (const row of rows.results) expect(row.conversion_probability).not.toBeNull();
    return rows.results;
  }, 60_000);
}

const now = Date.now();
let useful: Extract<TrainingOutcome, { status: "trained" }>;

describe("conversion probability on leads", () => {
  let a: Tenant; // a model in use
  let b: Tenant; // no model at all
  let c: Tenant; // a model trained on no signal: not used
  let weights: string[];

  beforeAll(async () => {
    [a, b, c] = await Promise.all([newTenant("serve-a"), newTenant("serve-b"), newTenant("serve-c")]);
    let useless: typeof useful;
    [useful, useless] = await Promise.all([trained(true, now), trained(false, now)]);
    expect(useful.report.used).toBe(true);
    expect(useless.report.used).toBe(false);
    weights = useful.report.weights.map((w) => w.feature);
    await saveModel(env.DB, a.namespaceId, "run-a", now, useful);
    await saveModel(env.DB, c.namespaceId, "run-c", now, useless);
    await Promise.all([ingest(a, now), ingest(b, now), ingest(c, now)]);
    await Promise.all([projected(a, true), projected(b, false), projected(c, false)]);
  }, 180_000);

  it("is projected for each lead of a namespace with a model in use, with its three top features", async () => {
    const rows = await projected(a, true);
    for (const row of rows) {
      expect(row.conversion_probability!).toBeGreaterThan(0);
      expect(row.conversion_probability!).toBeLessThan(1);
      const features = JSON.parse(row.conversion_features!) as Array<{ feature: string; contribution: number }>;
      expect(features).toHaveLength(3);
      for (const f of features) expect(weights).toContain(f.feature);
    }
    // The same figure GET /api/model/leads/:id computes on read (a moment later, so the lead is a moment older).
    const lead = rows[0]!;
    const onRead = await api(a, `/api/model/leads/${lead.lead_id}`);
    expect(onRead.body.conversionProbability).toBeCloseTo(lead.conversion_probability!, 2);
  });

  it("shows in the lead API, the list and the leaderboard, which sort by it", async () => {
    const listed = (await api(a, "/api/leads?sort=conversion_probability&limit=100")).body.leads as any[];
    expect(listed).toHaveLength(LEADS.length);
    const probabilities = listed.map((l) => l.conversionProbability as number);
    expect(probabilities).toEqual([...probabilities].sort((x, y) => y - x));
    // The planted truth: company size and pricing visits.
    expect(listed[0].userId).toBe("big-pricing");
    expect(listed.at(-1).userId).toBe("small-quiet");
    for (const l of listed) expect(l.conversionFeatures).toHaveLength(3);

    // Keyset pages of two give the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/leads?sort=conversion_probability&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = (await api(a, query)).body;
      paged.push(...page.leads.map((l: any) => l.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(listed.map((l) => l.id));

    const board = (await api(a, "/api/leaderboard?sort=conversion_probability&limit=3")).body.leads as any[];
    expect(board.map((l) => l.id)).toEqual(listed.slice(0, 3).map((l) => l.id));
    expect(board.map((l) => l.rank)).toEqual([1, 2, 3]);
    expect((await api(a, "/api/leaderboard")).body.leads[0].conversionProbability).toBeGreaterThan(0);

    const one = (await api(a, `/api/leads/${listed[0].id}`)).body.lead;
    expect(one.conversionProbability).toBeGreaterThan(0);
    expect(one.conversionFeatures).toHaveLength(3);
  });

  it("is a column of the CSV export, in the order asked for", async () => {
    const res = await call("/api/leads/export.csv?sort=conversion_probability", { headers: { Authorization: `Bearer ${a.apiKey}` } });
    expect(res.status).toBe(200);
    const [header, ...lines] = (await res.text()).trimEnd().split("\r\n");
    const columns = header!.split(",");
    const at = columns.indexOf("conversionProbability");
    expect(at).toBeGreaterThan(0);
    const values = lines.map((l) => Number(l.split(",")[at]));
    expect(values).toHaveLength(LEADS.length);
    for (const v of values) expect(v).toBeGreaterThan(0);
    expect(values).toEqual([...values].sort((x, y) => y - x));
  });

  it("is null in a namespace without a model, and in one whose model is not used; another namespace's model never applies", async () => {
    for (const t of [b, c]) {
      const rows = await projected(t, false);
      for (const row of rows) {
        expect(row.conversion_probability).toBeNull();
        expect(row.conversion_features).toBeNull();
      }
      const listed = (await api(t, "/api/leads?sort=conversion_probability&limit=100")).body.leads as any[];
      expect(listed).toHaveLength(LEADS.length);
      for (const l of listed) {
        expect(l.conversionProbability).toBeNull();
        expect(l.conversionFeatures).toEqual([]);
      }
      const one = (await api(t, `/api/leads/${listed[0].id}`)).body.lead;
      expect(one.conversionProbability).toBeNull();
      const res = await call("/api/leads/export.csv", { headers: { Authorization: `Bearer ${t.apiKey}` } });
      const [header, first] = (await res.text()).split("\r\n");
      expect(first!.split(",")[header!.split(",").indexOf("conversionProbability")]).toBe("");
    }
  });
});

describe("destinations", () => {
  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  it("carry the probability in each item's lead once the lead's summary has computed it; without a model in use, items have none", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const [d, e] = await Promise.all([newTenant("serve-d"), newTenant("serve-e")]);
    await saveModel(env.DB, d.namespaceId, "run-d", now, useful);
    for (const t of [d, e]) {
      const created = await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: `https://hooks.customer.fake/${t.namespace}` } });
      expect(created.status).toBe(201);
    }
    await Promise.all([ingest(d, now), ingest(e, now)]);
    await Promise.all([projected(d, true), projected(e, false)]);
    // A later event of each lead leaves with the lead as it is then.
    const later = LEADS.map(([userId]) => ({ type: "track", userId, event: "Later Visit", messageId: `${userId}-later`, timestamp: new Date().toISOString() }));
    for (const t of [d, e]) expect((await send(t, "/v1/batch", { batch: later })).status).toBe(200);
    const laterItems = (t: Tenant) =>
      hook.requests
        .filter((r) => r.url.pathname === `/${t.namespace}`)
        .map((r) => JSON.parse(r.body))
        .filter((b) => b.type === "event" && b.event?.event === "Later Visit");
    await eventually(async () => {
      expect(laterItems(d)).toHaveLength(LEADS.length);
      expect(laterItems(e)).toHaveLength(LEADS.length);
    }, 60_000);
    for (const item of laterItems(d)) {
      expect(item.lead.conversionProbability).toBeGreaterThan(0);
      expect(item.lead.conversionProbability).toBeLessThan(1);
      expect(item.lead.conversionFeatures).toHaveLength(3);
    }
    for (const item of laterItems(e)) {
      expect(item.lead).not.toHaveProperty("conversionProbability");
      expect(item.lead).not.toHaveProperty("conversionFeatures");
    }
  });
});
