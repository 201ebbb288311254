import { describe, expect, it } from "vitest";
import { canonicalEventName } from "../../src/scoring/event-name";
import { pointsFor, scoringName } from "../../src/scoring/points";
import { gradeFor, stageFor } from "../../src/scoring/stage";
import { velocityFor } from "../../src/scoring/velocity";
import { EMPTY_STATE, foldScores } from "../../src/scoring/fold";
import { correctTimestamp } from "../../src/ingest/normalize";

const HOUR = 3_600_000;

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
  const now = Date.UTC(2026, 10, 23, 12);
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
  const receivedAt = Date.UTC(2026, 10, 23, 12);
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
