import { describe, expect, it } from "vitest";
import { warehouseRow } from "../../../src/destinations/rows";
import { insertStatement, isRetryableSqlState, sqlLiteral } from "../../../src/destinations/postgres-insert";
import { commandsFor } from "../../../src/destinations/redis";
import { recordErrors } from "../../../src/destinations/kafka";
import { DESTINATIONS } from "../../../src/destinations/registry";
import type { DeliveryItem, LeadSnapshot } from "../../../src/destinations/types";

const lead = (over: Partial<LeadSnapshot> = {}): LeadSnapshot => ({ id: "lead-1", score: 42, behaviourScore: 30, icpScore: 12, stage: "warm", grade: "B", velocity: 2.5, userId: "u1", email: "a@x.io", ...over });
const event: DeliveryItem = { messageId: "m1", kind: "event", lead: lead(), event: { type: "track", event: "Signup", properties: { plan: "pro" }, timestamp: "2026-03-01T10:00:00Z" } };
const change: DeliveryItem = { messageId: "change:lead-1:3", kind: "change", lead: lead(), change: { before: lead({ score: 20, stage: "cold" }), after: lead() } };

describe("warehouse rows", () => {
  it.each([
    ["an event", event, { kind: "event", event_type: "track", event_name: "Signup", properties: '{"plan":"pro"}', timestamp: "2026-03-01T10:00:00.000Z", previous_score: null }],
    ["a change", change, { kind: "change", event_type: null, event_name: null, properties: null, score: 42, previous_score: 20, previous_stage: "cold" }],
    ["an identify (traits as properties)", { ...event, event: { type: "identify", traits: { email: "a@x.io" } } }, { event_type: "identify", event_name: null, properties: '{"email":"a@x.io"}' }],
    ["a bad timestamp (the time it was sent)", { ...event, event: { type: "track", event: "x", timestamp: "yesterday" } }, { timestamp: "2026-06-01T00:00:00.000Z" }],
  ] as const)("%s", (_, item, expected) => {
    expect(warehouseRow(item as DeliveryItem, Date.parse("2026-06-01T00:00:00Z"))).toMatchObject(expected);
  });
});

describe("Postgres statement", () => {
  it.each([
    [null, "NULL"],
    [42, "42"],
    [Number.NaN, "NULL"],
    ["plain", "E'plain'"],
    ["it's", "E'it''s'"],
    ["back\\slash", "E'back\\\\slash'"],
  ] as const)("literal of %j is %s", (value, literal) => expect(sqlLiteral(value)).toBe(literal));

  it("one INSERT for the batch, skipping message_ids already there", () => {
    const sql = insertStatement("public", "events", [warehouseRow(event), warehouseRow(change)]);
    expect(sql).toMatch(/^INSERT INTO "public"\."events" \("message_id", "kind", .*\) VALUES \(E'm1', E'event', .*\), \(E'change:lead-1:3', E'change', .*\) ON CONFLICT \(message_id\) DO NOTHING$/);
  });

  it.each([
    ["08006", true],
    ["40001", true],
    ["53300", true],
    ["55P03", true],
    [undefined, true],
    ["CONNECTION_CLOSED", true],
    ["42P01", false],
    ["28P01", false],
    ["22P02", false],
    ["23502", false],
  ] as const)("SQLSTATE %s retryable: %s", (code, retryable) => expect(isRetryableSqlState(code)).toBe(retryable));
});

describe("Redis commands", () => {
  const cfg = DESTINATIONS.redis.config.parse({ url: "https://r.fake", token: "t" });
  it("an event is one XADD-once; a change sets the lead's hash and its leaderboard score", () => {
    const [xadd] = commandsFor(event, cfg);
    expect(xadd!.slice(0, 7)).toEqual(["EVAL", expect.stringContaining("SET"), "2", "leadflare:seen:m1", "leadflare:events", String(7 * 24 * 3600), "1000000"]);
    expect(xadd).toContain("Signup");
    const [hset, zadd] = commandsFor(change, cfg);
    expect(hset!.slice(0, 2)).toEqual(["HSET", "leadflare:lead:lead-1"]);
    expect(hset).toEqual(expect.arrayContaining(["score", "42", "stage", "warm"]));
    expect(zadd).toEqual(["ZADD", "leadflare:scores", "42", "lead-1"]);
  });
});

describe("Kafka per-record errors", () => {
  const ok = { ok: true as const, status: 200, body: "" };
  it.each([
    [{ offsets: [{ partition: 0, offset: 1, error_code: null }] }, { ok: true }],
    [{ offsets: [{ partition: 0, offset: 1, error_code: null }, { error_code: 2, error: "Leader not available" }] }, { ok: false, retryable: true }],
    [{ offsets: [{ error_code: 2 }, { error_code: 1, error: "Record too large" }] }, { ok: false, retryable: false, error: "2 records refused: error_code 2" }],
  ])("%j", (answer, expected) => expect(recordErrors(ok, JSON.stringify(answer))).toMatchObject(expected));
});
