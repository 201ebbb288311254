import { describe, expect, it } from "vitest";
import { canonicalEventName } from "../../../src/scoring/event-name";
import { pointsFor, scoringName } from "../../../src/scoring/points";
import { gradeFor, stageFor } from "../../../src/scoring/stage";
import { velocityFor } from "../../../src/scoring/velocity";
import { EMPTY_STATE, foldScores } from "../../../src/scoring/fold";
import { correctTimestamp } from "../../../src/ingest/normalize";

import { conditionHolds, matchRule, type ConditionOp, type ScoringRule } from "../../../src/scoring/rules";
import { firmographicsFromTraits, icpScoreFor } from "../../../src/scoring/icp";
import { decayBefore, decayedScore, daysToFloor, decayFactor, nextDecayAt } from "../../../src/scoring/decay";
import { churnProbabilityFor, engagementScoreFor, intelligenceFor, nextBestAction, riskFor, velocityTrend } from "../../../src/scoring/intelligence";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("event names", () => {
  it.each([
    ["Email Opened", "email_opened"],
    ["email-opened", "email_opened"],
    ["EMAIL_OPENED", "email_opened"],
    ["  Demo  Request!! ", "demo_request"],
    ["contract.signed", "contract_signed"],
    ["Signup", "signup"],
  ])("%s → %s", (raw, canonical) => expect(canonicalEventName(raw)).toBe(canonical));
});

describe("default points", () => {
  it.each([
    ["track", "Page View", 5],
    ["page", undefined, 5],
    ["screen", undefined, 5],
    ["track", "Signup", 20],
    ["track", "Download", 10],
    ["track", "Demo Request", 50],
    ["track", "Contract Signed", 100],
    ["track", "Email Opened", 5],
    ["track", "Email Clicked", 5],
    ["track", "Email Replied", 10],
    ["track", "LinkedIn Message", 10],
    ["track", "website_visit", 5],
    ["track", "Button Clicked", 0],
    ["identify", undefined, 0],
    ["group", undefined, 0],
    ["alias", undefined, 0],
  ] as const)("%s %s is worth %i", (type, event, points) => {
    expect(pointsFor(scoringName(type, event))).toBe(points);
  });
});

describe("stage", () => {
  it.each([
    [0, "cold"],
    [29, "cold"],
    [30, "warm"],
    [59, "warm"],
    [60, "hot"],
    [99, "hot"],
    [100, "qualified"],
    [500, "qualified"],
  ] as const)("%i → %s", (score, stage) => expect(stageFor(score)).toBe(stage));
});

describe("grade", () => {
  it.each([
    [0, "F"],
    [19, "F"],
    [20, "D"],
    [39, "D"],
    [40, "C"],
    [49, "C"],
    [50, "C+"],
    [59, "C+"],
    [60, "B"],
    [69, "B"],
    [70, "B+"],
    [79, "B+"],
    [80, "A"],
    [89, "A"],
    [90, "A+"],
    [250, "A+"],
  ] as const)("%i → %s", (score, grade) => expect(gradeFor(score)).toBe(grade));
});

describe("velocity", () => {
  const now = Date.now();
  it.each([
    ["no events", [], 0],
    ["one event now", [now], 0.5],
    ["two events now", [now, now], 1],
    ["one event 12 h ago", [now - 12 * HOUR], 0.3], // weight 0.5 → 0.25 → 0.3 rounded
    ["an event older than 24 h", [now - 25 * HOUR], 0],
    ["an event in the future", [now + HOUR], 0],
    ["twenty fresh events", Array(20).fill(now), 10],
    ["fifty fresh events (capped)", Array(50).fill(now), 10],
  ] as const)("%s → %d", (_label, timestamps, velocity) => {
    expect(velocityFor(timestamps, now)).toBe(velocity);
  });
});

describe("running score", () => {
  it("folds points from a starting state", () => {
    const rows = [5, 0, 20].map((points, i) => ({ ts: i * HOUR, match: { ruleId: null, points }, isEvent: true }));
    const folded = foldScores({ ...EMPTY_STATE, score: 10 }, rows, 3 * HOUR, () => null);
    expect(folded.map((r) => [r.kind, r.points, r.state.score])).toEqual([
      ["row", 5, 15],
      ["row", 0, 15],
      ["row", 20, 35],
    ]);
  });
});

describe("clock-skew correction", () => {
  const receivedAt = Date.now();
  it("shifts the event by the client's clock offset", () => {
    // Client clock 1 h fast: event at its 12:59:00, sent at its 13:00:00.
    const original = receivedAt + HOUR - 60_000;
    const sentAt = receivedAt + HOUR;
    expect(correctTimestamp(original, sentAt, receivedAt)).toBe(receivedAt - 60_000);
  });
  it("takes the client's time as is without sentAt", () => {
    expect(correctTimestamp(receivedAt - HOUR, undefined, receivedAt)).toBe(receivedAt - HOUR);
  });
  it("uses receivedAt without a timestamp", () => {
    expect(correctTimestamp(undefined, receivedAt - 5, receivedAt)).toBe(receivedAt);
  });
  it("clamps results more than a day in the future", () => {
    expect(correctTimestamp(receivedAt + 25 * HOUR, undefined, receivedAt)).toBe(receivedAt);
    expect(correctTimestamp(receivedAt + 23 * HOUR, undefined, receivedAt)).toBe(receivedAt + 23 * HOUR);
  });
});

describe("scoring rules", () => {
  const pricing: ScoringRule = { id: "pricing", event: "page_view", points: 15, conditions: [{ property: "properties.path", op: "starts_with", value: "/pricing" }], cap: null };
  const enterprise: ScoringRule = {
    id: "enterprise-demo",
    event: "demo_request",
    points: 80,
    conditions: [
      { property: "properties.seats", op: "gte", value: 50 },
      { property: "properties.plan", op: "equals", value: "enterprise" },
    ],
    cap: null,
  };
  const anyDemo: ScoringRule = { id: "any-demo", event: "demo_request", points: 40, conditions: [], cap: 100 };
  const rules = [anyDemo, pricing, enterprise];

  it.each([
    ["a pricing page view", "page_view", { properties: { path: "/pricing/teams" } }, "pricing", 15],
    ["another page view (default table)", "page_view", { properties: { path: "/blog" } }, null, 5],
    ["a page view without properties", "page_view", {}, null, 5],
    ["an enterprise demo request (most specific rule)", "demo_request", { properties: { seats: 120, plan: "enterprise" } }, "enterprise-demo", 80],
    ["a small demo request", "demo_request", { properties: { seats: 10, plan: "enterprise" } }, "any-demo", 40],
    ["an event with no rule (default table)", "signup", {}, null, 20],
    ["an unknown event", "button_clicked", {}, null, 0],
  ])("%s", (_label, name, message, ruleId, points) => {
    expect(matchRule(name, message, rules)).toEqual({ ruleId, points });
  });

  it.each([
    ["equals", "plan", "pro", true],
    ["equals (number vs string)", "seats", "12", true],
    ["not_equals", "plan", "free", true],
    ["starts_with", "path", "/pri", true],
    ["ends_with", "path", "cing", true],
    ["contains", "path", "ric", true],
    ["gt", "seats", 11, true],
    ["gt (equal)", "seats", 12, false],
    ["gte", "seats", 12, true],
    ["lt", "seats", 13, true],
    ["lte", "seats", 11, false],
    ["exists", "plan", undefined, true],
    ["exists (missing)", "nothing", undefined, false],
    ["starts_with on a number", "seats", "1", false],
  ] as const)("condition %s", (label, property, value, holds) => {
    const op = label.split(" ")[0] as ConditionOp;
    expect(conditionHolds({ properties: { plan: "pro", seats: 12, path: "/pricing" } }, { property: `properties.${property}`, op, value })).toBe(holds);
  });

  it("caps a rule's points per lead", () => {
    const rows = Array.from({ length: 4 }, (_, i) => ({ ts: i * HOUR, match: { ruleId: "any-demo", points: 40 }, isEvent: true }));
    const folded = foldScores(EMPTY_STATE, rows, 4 * HOUR, (id) => (id === "any-demo" ? 100 : null));
    expect(folded.map((r) => r.points)).toEqual([40, 40, 20, 0]);
    expect(folded.at(-1)!.state.score).toBe(100);
  });
});

describe("ICP score", () => {
  it.each([
    [{}, 0],
    [{ employees: 1 }, 10],
    [{ employees: 10 }, 10],
    [{ employees: 11 }, 30],
    [{ employees: 50 }, 30],
    [{ employees: 51 }, 40],
    [{ employees: 250 }, 40],
    [{ employees: 251 }, 0],
    [{ annualRevenue: 999_999 }, 0],
    [{ annualRevenue: 1_000_000 }, 20],
    [{ annualRevenue: 10_000_000 }, 20],
    [{ annualRevenue: 10_000_001 }, 40],
    [{ annualRevenue: 50_000_000 }, 40],
    [{ annualRevenue: 50_000_001 }, 0],
    [{ fundingStage: "Seed" }, 10],
    [{ fundingStage: "Series A" }, 15],
    [{ fundingStage: "series-b" }, 20],
    [{ fundingStage: "Series C" }, 0],
    [{ employees: 120, annualRevenue: 20_000_000, fundingStage: "Series B" }, 100],
  ] as const)("%j → %i", (firmographics, score) => expect(icpScoreFor(firmographics)).toBe(score));

  it("uses a namespace's own table and caps at 100", () => {
    const table = { companySize: [{ min: 1, max: null, points: 90 }], annualRevenue: [{ min: 0, max: null, points: 50 }], funding: {} };
    expect(icpScoreFor({ employees: 5000, annualRevenue: 1 }, table)).toBe(100);
    expect(icpScoreFor({ employees: 5000 }, table)).toBe(90);
  });

  it("reads firmographics from common trait names", () => {
    expect(firmographicsFromTraits({ employees: "45", annual_revenue: "$12,000,000", funding_stage: "Series A" })).toEqual({
      employees: 45,
      annualRevenue: 12_000_000,
      fundingStage: "Series A",
    });
    expect(firmographicsFromTraits({ company: { employee_count: 7, annualRevenue: 2e6 } })).toEqual({ employees: 7, annualRevenue: 2e6 });
    expect(firmographicsFromTraits({ name: "Ada" })).toEqual({});
  });
});

describe("decay", () => {
  it.each(Array.from({ length: 31 }, (_, day) => [day, day <= 7 ? 1 : 0.95 ** (day - 7)] as const))(
    "day %i without events multiplies by %d",
    (day, factor) => expect(decayFactor(day)).toBeCloseTo(factor, 12),
  );

  it("takes 5% a day from day 8, in one row per quiet stretch that stops at the next event", () => {
    const rows = [
      { ts: 0, match: { ruleId: null, points: 100 }, isEvent: true },
      { ts: 10 * DAY + HOUR, match: { ruleId: null, points: 5 }, isEvent: true },
    ];
    const folded = foldScores(EMPTY_STATE, rows, 12 * DAY, () => null);
    expect(folded.map((r) => [r.kind, r.state.score])).toEqual([
      ["row", 100],
      ["decay", 85.74],
      ["row", 90.74],
    ]);
    // Days 8, 9 and 10: the row sits at the last of them and counts them.
    expect(folded.filter((r) => r.kind === "decay").map((r) => [(r as { ts: number }).ts, (r as { days: number }).days, r.points])).toEqual([[10 * DAY, 3, -14.26]]);
  });

  it("decays up to now after the last event, and a merge does not stop it", () => {
    const rows = [
      { ts: 0, match: { ruleId: null, points: 40 }, isEvent: true },
      { ts: 8.5 * DAY, match: { ruleId: null, points: 0 }, isEvent: false },
    ];
    const folded = foldScores(EMPTY_STATE, rows, 9.5 * DAY, () => null);
    expect(folded.map((r) => [r.kind, r.state.score])).toEqual([
      ["row", 40],
      ["decay", 38],
      ["row", 38],
      ["decay", 36.1],
    ]);
  });

  it.each([
    // score, days quiet, [steps, score after] or null
    [100, 7.5, null],
    [100, 8.5, [1, 95]],
    [100, 30.5, [23, 30.74]],
    [0.1, 10.5, [3, 0.09]],
    // 0.1 × 0.95 rounds back to 0.1 a day at a time, yet the closed form reaches the floor.
    [0.1, 400, [59, 0]],
    [100, 20_780, [daysToFloor(100), 0]],
    [0, 100, null],
    [-5, 100, null],
  ] as const)("a score of %d after %d quiet days has decayed %j", (score, days, expected) => {
    const decayed = decayBefore(score, 0, days * DAY);
    expect(decayed && [decayed.days, decayed.scoreAfter]).toEqual(expected);
  });

  it("stops at the floor: the day a score rounds to 0 is its last step", () => {
    for (const score of [0.01, 0.1, 1, 100, 12_345.67]) {
      const days = daysToFloor(score);
      expect(decayedScore(score, days)).toBe(0);
      expect(decayedScore(score, days - 1)).toBeGreaterThan(0);
    }
    // A year of quiet takes any realistic score to the floor: decay then ends.
    expect(daysToFloor(10_000)).toBeLessThan(365);
  });

  it("folds a quiet stretch of decades into one row", () => {
    const folded = foldScores(EMPTY_STATE, [{ ts: 0, match: { ruleId: null, points: 70 }, isEvent: true }], 20_000 * DAY, () => null);
    expect(folded.map((r) => [r.kind, r.state.score])).toEqual([
      ["row", 70],
      ["decay", 0],
    ]);
  });

  it("schedules the next step", () => {
    expect(nextDecayAt(0, 0)).toBe(8 * DAY);
    expect(nextDecayAt(0, 3)).toBe(11 * DAY);
  });
});

describe("intelligence", () => {
  const now = Date.now();
  it.each([
    [null, null],
    [0, "low"],
    [2, "low"],
    [3, "medium"],
    [6, "medium"],
    [7, "high"],
    [13, "high"],
    [14, "critical"],
  ] as const)("risk after %s days → %s", (days, risk) => expect(riskFor(days)).toBe(risk));

  it.each([
    ["rising", Array(10).fill(now - HOUR)],
    ["falling", Array(10).fill(now - 25 * HOUR)],
    ["steady", [now - HOUR, now - 25 * HOUR]],
  ] as const)("velocity trend %s", (trend, activity) => expect(velocityTrend(activity, now)).toBe(trend));

  it.each([
    [{ stage: "qualified", score: 120, velocity: 0, risk: "low", recentEventNames: [] }, "hand_off_to_sales"],
    [{ stage: "hot", score: 70, velocity: 0, risk: "low", recentEventNames: ["demo_request"] }, "follow_up_demo_request"],
    [{ stage: "warm", score: 40, velocity: 0, risk: "low", recentEventNames: ["email_replied"] }, "answer_reply"],
    [{ stage: "warm", score: 40, velocity: 0, risk: "high", recentEventNames: [] }, "re_engage"],
    [{ stage: "cold", score: 10, velocity: 6, risk: "low", recentEventNames: [] }, "reach_out_now"],
    [{ stage: "warm", score: 35, velocity: 1, risk: "low", recentEventNames: [] }, "nurture"],
    [{ stage: "cold", score: 5, velocity: 0, risk: "critical", recentEventNames: [] }, "keep_warming"],
  ] as const)("next best action %#", (input, action) => expect(nextBestAction(input).action).toBe(action));

  it("counts events of the last 24 h and 7 d", () => {
    const result = intelligenceFor({
      now,
      stage: "warm",
      score: 40,
      activity: [now - HOUR, now - 2 * DAY, now - 8 * DAY],
      recentEventNames: [],
      lastEventTs: now - HOUR,
    });
    expect([result.eventsLast24h, result.eventsLast7d, result.daysSinceLastEvent, result.riskLevel]).toEqual([1, 2, 0, "low"]);
    expect(result.engagementScore).toBe(engagementScoreFor(result.velocity, 2));
    expect(result.churnProbability).toBe(churnProbabilityFor(now - HOUR, now));
  });

  it.each([
    [0, 0, 0],
    [10, 20, 10],
    [10, 100, 10],
    [4, 6, 3.5],
    [1.5, 3, 1.5],
    [0, 7, 1.8],
  ] as const)("engagement with velocity %s and %s events this week → %s", (velocity, week, score) =>
    expect(engagementScoreFor(velocity, week)).toBe(score),
  );

  it.each([
    [null, null],
    [0, 0],
    [1, 0.07],
    [7, 0.39],
    [14, 0.63],
    [30, 0.88],
  ] as const)("churn probability after %s days of silence → %s", (days, p) =>
    expect(churnProbabilityFor(days === null ? null : now - days * DAY, now)).toBe(p),
  );
});
