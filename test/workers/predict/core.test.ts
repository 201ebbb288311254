import { beforeAll, describe, expect, it } from "vitest";
import { eventKey } from "../../../src/predict/event-key";
import { emailKind } from "../../../src/predict/email-kind";
import { outcomeAt, type HistoryRow, type LeadHistory } from "../../../src/predict/history";
import { DAY_MS, snapshotAt, type LeadSnapshot } from "../../../src/predict/snapshot";
import { examplesOf, snapshotPlan, HORIZON_DAYS, type Example } from "../../../src/predict/examples";
import { featureSpaceOf, vectorize, TOP_EVENT_KEYS } from "../../../src/predict/features";
import { fitLogistic, sigmoid, solveSymmetric, type TrainingMatrix } from "../../../src/predict/logistic";
import { auc, brierScore, calibrationError, precisionAtTop, reliabilityTable } from "../../../src/predict/evaluate";
import { MIN_HOLDOUT_POSITIVES, MIN_POSITIVES, seededRandom, trainModel } from "../../../src/predict/train";
import { predict } from "../../../src/predict/serve";
import { SYNTHETIC_OUTCOME, syntheticHistories } from "./generator";
import { traitsOf } from "../../../durable/lead-history";

// A fixed clock: nothing here depends on today's date.
const NOW = Date.UTC(2026, 0, 1);
const OUTCOME = { events: ["closed_won"], stages: ["qualified"] };

const row = (ts: number, key: string | null, extra: Partial<HistoryRow> = {}): HistoryRow => ({ ts, key, ruleScore: 0, ...extra });
const history = (rows: HistoryRow[], stageChanges: LeadHistory["stageChanges"] = []): LeadHistory => ({ leadId: "l", rows, stageChanges });

describe("eventKey", () => {
  it.each([
    ["track", "Demo Requested", {}, "demo_requested"],
    ["track", "closed-won", {}, "closed_won"],
    ["page", "page_view", { name: "Pricing" }, "page:pricing"],
    ["page", "page_view", { properties: { path: "/pricing/teams" } }, "page:pricing"],
    ["page", "page_view", { properties: { url: "https://x.test/docs/api?q=1" } }, "page:docs"],
    ["page", "page_view", { properties: { path: "/" } }, "page:home"],
    ["screen", "page_view", { name: "Settings Screen" }, "page:settings_screen"],
    ["identify", "identify", { traits: { email: "a@b.test" } }, null],
    ["group", "group", {}, null],
  ] as const)("%s %s %j → %s", (type, name, body, key) => {
    expect(eventKey(type, name, body as Record<string, unknown>)).toBe(key);
  });
});

describe("emailKind", () => {
  it.each([
    ["ada@acme.io", "corporate"],
    ["ada@gmail.com", "free"],
    ["Ada@GMAIL.COM", "free"],
    ["ada@proton.me", "free"],
    ["not-an-address", null],
    ["@acme.io", null],
    ["ada@", null],
  ] as const)("%s → %s", (email, kind) => {
    expect(emailKind(email)).toBe(kind);
  });
});

describe("traitsOf (what a stored message says of the company and contact)", () => {
  it.each([
    [{ type: "identify", traits: { email: "ada@acme.io", employees: "1,200", industry: "Software" } }, { email: "corporate", employees: 1200, industry: "software" }],
    [{ type: "identify", traits: { email: "ada@gmail.com", company: { employee_count: 40, industry: "Retail" }, funding_stage: "Series A" } }, { email: "free", employees: 40, industry: "retail", fundingStage: "series a" }],
    [{ type: "page", context: { campaign: { source: "LinkedIn" } } }, { source: "linkedin" }],
    [{ type: "track", event: "Signup", context: { traits: { annual_revenue: "$5,000,000" } } }, { annualRevenue: 5_000_000 }],
    [{ type: "track", event: "Signup", properties: { plan: "pro" } }, undefined],
  ])("%j → %j", (message, traits) => {
    expect(traitsOf(message)).toEqual(traits);
  });
});

describe("snapshotAt", () => {
  const at = NOW;
  const lead = history([
    row(at - 40 * DAY_MS, null, { identities: 1, traits: { source: "google", email: "free", employees: 20 } }),
    row(at - 30 * DAY_MS, "page:pricing", { ruleScore: 5 }),
    row(at - 10 * DAY_MS, "download", { ruleScore: 15 }),
    row(at - 7 * DAY_MS, "page:pricing", { ruleScore: 20 }),
    row(at - 1 * DAY_MS, "page:pricing", { ruleScore: 25, identities: 2, traits: { source: "linkedin", email: "corporate", employees: 300 } }),
    row(at - 1000, "page:pricing", { ruleScore: 30 }),
    // At and after the moment: never seen.
    row(at, "page:pricing", { ruleScore: 35, traits: { employees: 5000 } }),
    row(at + DAY_MS, "closed_won", { ruleScore: 35 }),
  ]);

  it("counts each key over 1, 7 and 30 days back, window ends included, rows at the moment excluded", () => {
    const s = snapshotAt(lead, at)!;
    expect({ ...s.counts }).toEqual({ "page:pricing": [2, 3, 4], download: [0, 0, 1] });
    expect(s.eventsPrevWeek).toBe(1);
    expect(s.daysSinceLastEvent).toBeCloseTo(1000 / DAY_MS);
    // Days back 30, 10, 7, 1 and 0.
    expect(s.activeDays30).toBe(5);
    expect(s.ageDays).toBe(40);
    expect(s.identities).toBe(2);
  });

  it("keeps the first-touch source, a corporate email once seen, and the latest firmographics before the moment", () => {
    const s = snapshotAt(lead, at)!;
    expect(s.traits).toEqual({ source: "google", email: "corporate", employees: 300 });
  });

  it("takes the rules' score as the running score of the last row before the moment plus the ICP points then known", () => {
    // 300 employees are outside the default ICP table's size buckets: no ICP points.
    expect(snapshotAt(lead, at)!.ruleScore).toBe(30);
    // 20 employees (11–50): 30 ICP points.
    expect(snapshotAt(lead, at - 2 * DAY_MS)!.ruleScore).toBe(20 + 30);
  });

  it("is null before the lead's first row", () => {
    expect(snapshotAt(lead, at - 40 * DAY_MS)).toBeNull();
    expect(snapshotAt(history([]), at)).toBeNull();
  });
});

describe("leakage", () => {
  /** The rows at and after `at` replaced by a burst of activity and new traits: what a leak would see. */
  const rewriteFrom = (h: LeadHistory, at: number): LeadHistory => ({
    ...h,
    rows: [
      ...h.rows.filter((r) => r.ts < at),
      ...Array.from({ length: 20 }, (_, i) => row(at + i * 3_600_000, i % 2 ? "page:pricing" : "download", { ruleScore: 500, identities: 9, traits: { employees: 9999, industry: "x", email: "corporate", source: "y" } })),
    ],
  });

  /** A feature extractor leaks when anything at or after the moment changes what it returns for the moment. */
  const leaks = (extract: (h: LeadHistory, at: number) => unknown, histories: readonly LeadHistory[], at: number) =>
    histories.some((h) => JSON.stringify(extract(h, at)) !== JSON.stringify(extract(rewriteFrom(h, at), at)));

  const histories = syntheticHistories({ leads: 200, now: NOW });
  const plan = snapshotPlan(NOW);

  it("finds no leak in the snapshot, at every moment of the plan", () => {
    for (const at of [...plan.training, plan.holdout]) expect(leaks(snapshotAt, histories, at)).toBe(false);
  });

  it("catches an extractor that reads a row at the moment (or later)", () => {
    const countsTheMoment = (h: LeadHistory, at: number) => snapshotAt(h, at + 1);
    const readsLatestTraits = (h: LeadHistory, at: number) => ({ ...snapshotAt(h, at), employees: h.rows.findLast((r) => r.traits)?.traits?.employees });
    expect(leaks(countsTheMoment, histories, plan.holdout)).toBe(true);
    expect(leaks(readsLatestTraits, histories, plan.holdout)).toBe(true);
  });

  it("describes a converter only as it was before converting: no example at or after its outcome sees the outcome", () => {
    for (const h of histories) {
      const converted = outcomeAt(h, SYNTHETIC_OUTCOME);
      for (const e of examplesOf(h, SYNTHETIC_OUTCOME, plan)) {
        expect(e.snapshot.counts.closed_won).toBeUndefined();
        if (converted !== null) expect(e.snapshot.at).toBeLessThanOrEqual(converted);
      }
    }
  });
});

describe("outcomeAt", () => {
  it.each([
    ["the first outcome event", [row(10, "signup"), row(20, "closed_won"), row(30, "closed_won")], [], 20],
    ["a stage reached first", [row(10, "signup"), row(20, "closed_won")], [{ at: 15, to: "qualified" }], 15],
    ["an outcome event before the stage", [row(10, "closed_won")], [{ at: 15, to: "qualified" }], 10],
    ["another stage is not the outcome", [row(10, "signup")], [{ at: 15, to: "hot" }], null],
    ["no outcome", [row(10, "signup")], [], null],
  ] as const)("%s", (_, rows, changes, expected) => {
    expect(outcomeAt(history([...rows], [...changes]), OUTCOME)).toBe(expected);
  });
});

describe("examples and the holdout by time", () => {
  const plan = snapshotPlan(NOW);

  it("places the holdout one horizon back and every training label window before it", () => {
    expect(plan.holdout).toBe(NOW - HORIZON_DAYS * DAY_MS);
    for (const at of plan.training) expect(at + plan.horizonMs).toBeLessThanOrEqual(plan.holdout);
    expect([...plan.training].sort((a, b) => a - b)).toEqual(plan.training);
  });

  it.each([
    ["converts inside the holdout's horizon", plan.holdout + 5 * DAY_MS, [false, false, false, false, true]],
    ["converts exactly at the holdout moment", plan.holdout, [false, false, false, false, true]],
    // Moments are STEP_DAYS apart and horizons HORIZON_DAYS long: the two moments before the last see it coming too.
    ["converts inside the last training horizon", plan.training[3]! + DAY_MS, [false, true, true, true]],
    ["never converts", null, [false, false, false, false, false]],
  ] as const)("a lead that %s gets one example per moment before its outcome, labelled by the horizon", (_, convertedAt, labels) => {
    const rows = [row(plan.training[0]! - 5 * DAY_MS, "page:home")];
    if (convertedAt !== null) rows.push(row(convertedAt, "closed_won"));
    const examples = examplesOf(history(rows), OUTCOME, plan);
    expect(examples.map((e) => e.label)).toEqual(labels);
    expect(examples.map((e) => e.holdout)).toEqual(labels.map((_, i) => i === 4));
  });

  it("gives no example at a moment before the lead existed", () => {
    const examples = examplesOf(history([row(plan.holdout - DAY_MS, "page:home")]), OUTCOME, plan);
    expect(examples.map((e) => e.snapshot.at)).toEqual([plan.holdout]);
  });

  describe("what happens after the holdout moment", () => {
    const histories = syntheticHistories({ leads: 2000, now: NOW });
    const train = async (hs: LeadHistory[]) => trainModel(hs.flatMap((h) => examplesOf(h, SYNTHETIC_OUTCOME, plan)), SYNTHETIC_OUTCOME.events, NOW);
    let original: Awaited<ReturnType<typeof train>>;
    beforeAll(async () => {
      original = await train(histories);
    });
    const isOutcome = (r: HistoryRow) => r.key === "closed_won";

    it("changes nothing but its outcomes can: activity and traits then are seen by no example", async () => {
      const altered = histories.map((h) => ({
        ...h,
        rows: [
          ...h.rows.filter((r) => r.ts < plan.holdout || isOutcome(r)),
          row(plan.holdout, "page:pricing", { ruleScore: 999, traits: { employees: 1 } }),
        ].sort((a, b) => a.ts - b.ts),
      }));
      expect(original.status).toBe("trained");
      expect(await train(altered)).toEqual(original);
    });

    it("changes the evaluation with its outcomes, never the model: training stops at the holdout moment", async () => {
      let dropped = 0;
      const altered = histories.map((h) => ({
        ...h,
        rows: h.rows.filter((r) => !(r.ts >= plan.holdout && isOutcome(r) && dropped++ % 2 === 0)),
      }));
      const changed = await train(altered);
      if (original.status !== "trained" || changed.status !== "trained") throw new Error("expected both to train");
      expect(dropped).toBeGreaterThan(20);
      expect(changed.model).toEqual(original.model);
      expect(changed.report.holdout.model.positives).toBeLessThan(original.report.holdout.model.positives);
    });
  });
});

describe("the minimum number of outcomes", () => {
  const snapshot = (at: number, pricing: number): LeadSnapshot => ({
    at,
    ageDays: 10,
    counts: pricing ? { "page:pricing": [0, pricing, pricing] } : {},
    eventsPrevWeek: 0,
    daysSinceLastEvent: 1,
    activeDays30: 1,
    identities: 1,
    traits: {},
    ruleScore: pricing * 5,
  });
  /** `positives` converters in training (half of 2,000 examples would be plenty), `holdoutPositives` in the holdout. */
  const examples = (positives: number, holdoutPositives: number): Example[] => {
    const random = seededRandom(7);
    const make = (n: number, converters: number, holdout: boolean) =>
      Array.from({ length: n }, (_, i) => ({ snapshot: snapshot(holdout ? 2 : 1, Math.floor(random() * 4)), label: i < converters, holdout }));
    return [...make(2000, positives, false), ...make(500, holdoutPositives, true)];
  };

  it.each([
    [MIN_POSITIVES - 1, MIN_HOLDOUT_POSITIVES, "insufficient"],
    [MIN_POSITIVES, MIN_HOLDOUT_POSITIVES - 1, "insufficient"],
    [MIN_POSITIVES, MIN_HOLDOUT_POSITIVES, "trained"],
  ] as const)("%i training and %i holdout converters: %s", async (positives, holdoutPositives, status) => {
    const outcome = await trainModel(examples(positives, holdoutPositives), ["closed_won"], NOW);
    expect(outcome.status).toBe(status);
    if (outcome.status === "insufficient") {
      expect(outcome.reason).toContain(`at least ${MIN_POSITIVES} conversions`);
      expect(outcome.counts).toMatchObject({ trainingPositives: positives, holdoutPositives });
    }
  });
});

describe("feature space", () => {
  it("keeps the most frequent keys (never an outcome event) and pools the rest as other", () => {
    const counts: LeadSnapshot["counts"] = { closed_won: [0, 0, 99] };
    for (let k = 0; k < TOP_EVENT_KEYS + 3; k++) counts[`e${String(k).padStart(2, "0")}`] = [0, 1, 100 - k];
    const s: LeadSnapshot = { at: 0, ageDays: 1, counts, eventsPrevWeek: 0, daysSinceLastEvent: 0, activeDays30: 1, identities: 1, traits: { industry: "software" }, ruleScore: 0 };
    const space = featureSpaceOf([s], ["closed_won"]);
    expect(space.eventKeys).toEqual(Array.from({ length: TOP_EVENT_KEYS }, (_, k) => `e${String(k).padStart(2, "0")}`));
    expect(space.names).toContain("industry:software");
    const x = vectorize(s, space);
    expect(x.length).toBe(space.names.length);
    // Three keys pooled with the outcome event: 7-day count 3, 30-day count (100-10) + (100-11) + (100-12) + 99.
    expect(x[space.names.indexOf("events:other_7d")]).toBeCloseTo(Math.log1p(3));
    expect(x[space.names.indexOf("events:other_30d")]).toBeCloseTo(Math.log1p(90 + 89 + 88 + 99));
  });

  it("reads a key named like an Object property as an unknown key, not a property", () => {
    const counts: LeadSnapshot["counts"] = Object.create(null);
    counts["constructor" as string] = [1, 1, 1];
    counts["toString" as string] = [1, 1, 1];
    const base = { at: 0, ageDays: 1, eventsPrevWeek: 0, daysSinceLastEvent: 0, activeDays30: 0, identities: 0, traits: {}, ruleScore: 0 };
    const space = featureSpaceOf([{ ...base, counts }], []);
    expect(space.eventKeys).toEqual(["constructor", "toString"]);
    // A snapshot read back from JSON is a plain object: its prototype's properties are not counts.
    const x = vectorize(JSON.parse(JSON.stringify({ ...base, counts: {} })), space);
    expect(Array.from(x.slice(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe("logistic regression", () => {
  /** n rows with y ~ Bernoulli(σ(0.5 + 2·x1 − 1·x2)), x ~ N(0, 1)-ish. */
  function sample(n: number, seed: number): TrainingMatrix {
    const random = seededRandom(seed);
    const x = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      const a = random() * 2 - 1;
      const b = random() * 2 - 1;
      x[r * 2] = a * Math.sqrt(3);
      x[r * 2 + 1] = b * Math.sqrt(3);
      y[r] = random() < sigmoid(0.5 + 2 * x[r * 2]! - x[r * 2 + 1]!) ? 1 : 0;
    }
    return { x, y, rows: n, columns: 2 };
  }

  it("recovers the weights it was generated with", () => {
    const m = fitLogistic(sample(20_000, 3), 1e-6);
    // Standardised weights: raw weight × the column's spread (≈ 1 here).
    expect(m.weights[0]! / m.scales[0]!).toBeCloseTo(2, 0);
    expect(m.weights[1]! / m.scales[1]!).toBeCloseTo(-1, 0);
    expect(m.intercept - m.weights.reduce((s, w, c) => s + (w * m.means[c]!) / m.scales[c]!, 0)).toBeCloseTo(0.5, 0);
  });

  it("stops where the penalised gradient is zero", () => {
    const data = sample(3000, 4);
    const l2 = 5;
    const m = fitLogistic(data, l2);
    const gradient = [0, 0, 0];
    for (let r = 0; r < data.rows; r++) {
      const v = [1, (data.x[r * 2]! - m.means[0]!) / m.scales[0]!, (data.x[r * 2 + 1]! - m.means[1]!) / m.scales[1]!];
      const p = sigmoid(m.intercept + m.weights[0]! * v[1]! + m.weights[1]! * v[2]!);
      v.forEach((vi, i) => (gradient[i]! += (p - data.y[r]!) * vi));
    }
    gradient[1]! += l2 * m.weights[0]!;
    gradient[2]! += l2 * m.weights[1]!;
    for (const g of gradient) expect(Math.abs(g)).toBeLessThan(1e-4);
  });

  it("shrinks the weights as the penalty grows", () => {
    const data = sample(2000, 5);
    const norms = [0.01, 100, 10_000].map((l2) => Math.hypot(...fitLogistic(data, l2).weights));
    expect(norms[0]).toBeGreaterThan(norms[1]!);
    expect(norms[1]).toBeGreaterThan(norms[2]!);
  });

  it("treats a row of weight 2 as two rows", () => {
    const data = sample(500, 6);
    const weight = new Float64Array(500).map((_, r) => (r % 3 === 0 ? 2 : 1));
    const doubled: number[] = [];
    const doubledY: number[] = [];
    for (let r = 0; r < 500; r++) {
      for (let k = 0; k < weight[r]!; k++) {
        doubled.push(data.x[r * 2]!, data.x[r * 2 + 1]!);
        doubledY.push(data.y[r]!);
      }
    }
    const a = fitLogistic({ ...data, weight }, 1);
    const b = fitLogistic({ x: new Float64Array(doubled), y: new Uint8Array(doubledY), rows: doubledY.length, columns: 2 }, 1);
    // Same raw-space model (standardisation differs with the rows' weights, the fitted function does not).
    const raw = (m: typeof a) => [m.weights[0]! / m.scales[0]!, m.weights[1]! / m.scales[1]!];
    expect(raw(a)[0]).toBeCloseTo(raw(b)[0]!, 1);
    expect(raw(a)[1]).toBeCloseTo(raw(b)[1]!, 1);
  });

  it("solves a symmetric positive definite system", () => {
    const a = new Float64Array([4, 1, 2, 1, 3, 0, 2, 0, 5]);
    const x = solveSymmetric(a, new Float64Array([7, 4, 7]), 3);
    expect(Array.from(x).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 1, 1]);
  });
});

describe("evaluation", () => {
  it.each([
    ["perfect ranking", [0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 1],
    ["reversed ranking", [0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], 0],
    ["all tied", [0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5],
    ["one pair of four out of order", [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75],
    ["a tie across classes counts half", [0.1, 0.5, 0.5], [0, 0, 1], 0.75],
    ["one class only", [0.1, 0.5], [1, 1], 0.5],
  ] as const)("AUC: %s", (_, scores, labels, expected) => {
    expect(auc(scores, labels)).toBeCloseTo(expected, 10);
  });

  it.each([
    [[0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.05], [1, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0.1, 1],
    [[0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.05], [0, 1, 1, 0, 0, 0, 0, 0, 0, 0], 0.2, 0.5],
    [[0.1, 0.2], [0, 1], 0.1, 1],
  ] as const)("precision at the top %#", (scores, labels, fraction, expected) => {
    expect(precisionAtTop(scores, labels, fraction)).toBe(expected);
  });

  it("Brier score is the mean squared error of the probabilities", () => {
    expect(brierScore([1, 0, 0.5], [1, 0, 1])).toBeCloseTo(0.25 / 3);
    expect(brierScore([], [])).toBe(0);
  });

  it("reliability table bins by prediction and the error weighs each bin by its examples", () => {
    const table = reliabilityTable([0.05, 0.05, 0.15, 0.95, 1], [0, 1, 0, 1, 1]);
    expect(table).toEqual([
      { from: 0, to: 0.1, count: 2, meanPredicted: 0.05, observedRate: 0.5 },
      { from: 0.1, to: 0.2, count: 1, meanPredicted: 0.15, observedRate: 0 },
      { from: 0.9, to: 1, count: 2, meanPredicted: 0.975, observedRate: 1 },
    ]);
    expect(calibrationError(table)).toBeCloseTo((2 * 0.45 + 0.15 + 2 * 0.025) / 5);
  });
});

describe("serving", () => {
  it("gives a probability and the three features that moved it most, largest first", async () => {
    const histories = syntheticHistories({ leads: 3000, now: NOW });
    const plan = snapshotPlan(NOW);
    const trained = await trainModel(histories.flatMap((h) => examplesOf(h, SYNTHETIC_OUTCOME, plan)), SYNTHETIC_OUTCOME.events, NOW);
    if (trained.status !== "trained") throw new Error(trained.reason);
    for (const h of histories.slice(0, 50)) {
      const s = snapshotAt(h, NOW);
      if (!s) continue;
      const p = predict(trained.model, s);
      expect(p.conversionProbability).toBeGreaterThan(0);
      expect(p.conversionProbability).toBeLessThan(1);
      expect(p.topFeatures).toHaveLength(3);
      const sizes = p.topFeatures.map((f) => Math.abs(f.contribution));
      expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
      for (const f of p.topFeatures) expect(trained.model.space.names).toContain(f.feature);
    }
  });
});
