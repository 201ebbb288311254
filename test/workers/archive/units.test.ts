import { describe, expect, it } from "vitest";
import { fileKey, manifestKey, parseKey } from "../../../src/archive/keys";
import { daysBetween, retentionCutoff, rowOf } from "../../../src/archive/rows";
import { readParquet, writeParquet } from "../../../src/archive/parquet";
import { ArchiveBuffer } from "../../../src/archive/buffer";

const DAY_MS = 86_400_000;
const lead = { id: "lead-1", score: 42, behaviourScore: 30, icpScore: 12, stage: "engaged", grade: "B", velocity: 1, userId: "u1", email: "u1@example.com" };

describe("archive keys", () => {
  it.each([
    [fileKey("ns-a", "2026-03-04", 7, 12), { namespaceId: "ns-a", date: "2026-03-04", manifest: false }],
    [manifestKey("ns-a", "2026-03-04", 7), { namespaceId: "ns-a", date: "2026-03-04", manifest: true }],
    ["ns=ns-a/date=2026-03-04/../ns=ns-b/date=2026-03-04/000-000000001.parquet", null],
    ["ns=ns-a/date=2026-03-04/notes.txt", null],
    ["ns=ns-a/date=26-03-04/000-000000001.parquet", null],
    ["ns=ns-a/000-000000001.parquet", null],
    ["ns=/date=2026-03-04/000-000000001.parquet", null],
  ])("%s parses as %j", (key, expected) => {
    expect(parseKey(key)).toEqual(expected);
  });

  it("names files so they sort by shard and sequence within a day", () => {
    expect(fileKey("n", "2026-01-02", 3, 45)).toBe("ns=n/date=2026-01-02/003-000000045.parquet");
    expect(fileKey("n", "2026-01-02", 3, 9) < fileKey("n", "2026-01-02", 3, 10)).toBe(true);
  });
});

describe("archive days", () => {
  const now = Date.parse("2026-06-15T10:00:00Z");
  it.each([
    [null, null],
    // The same cutoff as the lead's: rows older than now minus the window.
    [1, "2026-06-14T10:00:00.000Z"],
    [30, "2026-05-16T10:00:00.000Z"],
  ])("retention of %s days drops rows before %s", (days, expected) => {
    const cutoff = retentionCutoff(days, now);
    expect(cutoff === null ? null : new Date(cutoff).toISOString()).toBe(expected);
  });

  it("lists the days of a range, both ends included", () => {
    expect(daysBetween("2026-02-27", "2026-03-02")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    expect(daysBetween("2026-03-02", "2026-03-01")).toEqual([]);
  });
});

describe("archive rows", () => {
  const now = Date.now();
  it("an event keeps its own timestamp, names and properties; the whole message stays in body", () => {
    const at = new Date(now - 3 * DAY_MS).toISOString();
    const event = { type: "track", event: "Signup", userId: "u1", anonymousId: "a1", messageId: "m1", timestamp: at, properties: { plan: "pro" } };
    expect(rowOf("ns", "lead-1", { messageId: "m1", kind: "event", lead, event }, now)).toEqual({
      namespace_id: "ns",
      lead_id: "lead-1",
      message_id: "m1",
      kind: "event",
      type: "track",
      event: "Signup",
      timestamp: Date.parse(at),
      user_id: "u1",
      anonymous_id: "a1",
      email: "u1@example.com",
      score: 42,
      stage: "engaged",
      score_before: null,
      stage_before: null,
      properties: '{"plan":"pro"}',
      body: JSON.stringify(event),
    });
  });

  it("an identify's traits stand in for properties; a page's name for the event; no timestamp means now", () => {
    const identify = rowOf("ns", "l", { messageId: "i", kind: "event", lead, event: { type: "identify", traits: { email: "x@y.z" } } }, now)!;
    expect(identify.properties).toBe('{"email":"x@y.z"}');
    expect(identify.timestamp).toBe(now);
    expect(rowOf("ns", "l", { messageId: "p", kind: "event", lead, event: { type: "page", name: "Pricing" } }, now)!.event).toBe("Pricing");
  });

  it("a change carries the score and stage before and after; test items are not archived", () => {
    const change = rowOf("ns", "l", { messageId: "change:l:2", kind: "change", lead, change: { before: { ...lead, score: 30, stage: "aware" }, after: lead } }, now)!;
    expect(change).toMatchObject({ kind: "change", type: null, score: 42, stage: "engaged", score_before: 30, stage_before: "aware", timestamp: now });
    expect(rowOf("ns", "l", { messageId: "t", kind: "test", lead, event: { type: "track" } }, now)).toBeNull();
  });

  it("Parquet round trip keeps every column, nulls included", async () => {
    const rows = [
      rowOf("ns", "l", { messageId: "m1", kind: "event", lead, event: { type: "track", event: "A", timestamp: new Date(now).toISOString(), properties: { n: 1 } } }, now)!,
      rowOf("ns", "l", { messageId: "c1", kind: "change", lead, change: { before: null, after: lead } }, now)!,
    ];
    const back = await readParquet(writeParquet(rows).buffer as ArrayBuffer);
    expect(back).toEqual(rows);
  });
});

describe("archive buffer (rows a shard holds in memory)", () => {
  const now = Date.now();
  const item = (leadId: string, seq: number) => ({
    seq,
    row: rowOf("ns", leadId, { messageId: `${leadId}-${seq}`, kind: "event", lead, event: { type: "track", event: "A", messageId: `${leadId}-${seq}` } }, now)!,
  });
  const items = (leadId: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => item(leadId, from + i));

  it("keeps each seq of a lead once: above what waits and above what is in a file", () => {
    const buffer = new ArchiveBuffer();
    expect(buffer.add("a", 0, items("a", 1, 3))).toEqual({ added: 3, alreadyArchived: false });
    expect(buffer.add("a", 0, items("a", 1, 5))).toEqual({ added: 2, alreadyArchived: false });
    // Rows up to 7 are in a file: 6..7 are not taken again, and the lead should hear so.
    expect(buffer.add("b", 7, items("b", 6, 9))).toEqual({ added: 2, alreadyArchived: true });
    expect(buffer.rows).toBe(7);
    expect(buffer.highOf("a", 0)).toBe(5);
    expect(buffer.highOf("c", 4)).toBe(4);
  });

  it("a file takes the oldest leads' rows up to its size, splitting a lead; rows that came meanwhile stay", () => {
    const buffer = new ArchiveBuffer();
    buffer.add("a", 0, items("a", 1, 3));
    buffer.add("b", 0, items("b", 1, 3));
    const batch = buffer.take(4, Infinity);
    expect(batch.parts).toEqual([
      { leadId: "a", count: 3, upto: 3 },
      { leadId: "b", count: 1, upto: 1 },
    ]);
    expect(batch.rows.map((r) => r.message_id)).toEqual(["a-1", "a-2", "a-3", "b-1"]);
    buffer.add("a", 0, items("a", 4, 4));
    buffer.remove(batch.parts);
    expect(buffer.rows).toBe(3);
    expect(buffer.waitingOf("a")).toBe(1);
    expect(buffer.take(10, Infinity).rows.map((r) => r.message_id)).toEqual(["a-4", "b-2", "b-3"]);
  });

  it("erasure drops a lead's rows; a file that took some of them meanwhile removes nothing of others", () => {
    const buffer = new ArchiveBuffer();
    buffer.add("a", 0, items("a", 1, 2));
    buffer.add("b", 0, items("b", 1, 2));
    const batch = buffer.take(10, Infinity);
    buffer.drop("a");
    buffer.remove(batch.parts);
    expect(buffer.rows).toBe(0);
    expect(buffer.bytes).toBe(0);
  });
});
