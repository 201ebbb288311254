import { describe, expect, it } from "vitest";
import { planCalls, type Waiting } from "../../../src/destinations/calls";
import { perShardRate, shardOf } from "../../../src/destinations/shards";
import { DESTINATIONS } from "../../../src/destinations/registry";
import type { DeliveryItem } from "../../../src/destinations/types";

function waiting(seq: number, leadId: string, email: string | null, kind: DeliveryItem["kind"] = "event"): Waiting {
  const lead = { id: leadId, score: seq, behaviourScore: seq, icpScore: 0, stage: "cold", grade: "F", velocity: 0, userId: leadId, email };
  return {
    seq,
    leadId,
    item: kind === "change" ? { messageId: `m${seq}`, kind, lead, change: { before: null, after: lead } } : { messageId: `m${seq}`, kind, lead, event: { type: "track", event: "x" } },
  };
}

const ids = (items: { messageId: string }[]) => items.map((i) => i.messageId);

describe("planCalls", () => {
  it("batch APIs: one lane of calls across leads, in order, at most maxItems a call", () => {
    const items = Array.from({ length: 120 }, (_, i) => waiting(i, `lead-${i % 7}`, null));
    const lanes = planCalls(DESTINATIONS.mixpanel, { token: "t" }, items);
    expect(lanes).toHaveLength(1);
    expect(lanes[0]!.map((c) => c.send.length)).toEqual([50, 50, 20]); // /track: 50 a call
    expect(lanes[0]!.flatMap((c) => ids(c.send))).toEqual(ids(items.map((w) => w.item)));
    const imported = planCalls(DESTINATIONS.mixpanel, { token: "t", apiSecret: "s" }, items);
    expect(imported[0]!.map((c) => c.send.length)).toEqual([120]); // /import: 2,000 a call
  });

  it("batch APIs: a byte limit splits calls too (Segment, 450 KB)", () => {
    const big = (seq: number): Waiting => ({ ...waiting(seq, "l", null), item: { ...waiting(seq, "l", null).item, event: { type: "track", pad: "x".repeat(100_000) } } });
    const lanes = planCalls(DESTINATIONS.segment, { writeKey: "k", endpoint: "https://s.fake" }, [0, 1, 2, 3, 4, 5].map(big));
    expect(lanes[0]!.map((c) => c.send.length)).toEqual([4, 2]);
  });

  it("HubSpot: one input per email in a call, the latest; the call settles every item", () => {
    const items = [waiting(1, "a", "a@x"), waiting(2, "b", "b@x"), waiting(3, "a", "a@x"), waiting(4, "a", "a@x")];
    const [lane] = planCalls(DESTINATIONS.hubspot, { accessToken: "t" }, items);
    expect(lane).toHaveLength(1);
    expect(ids(lane![0]!.send)).toEqual(["m4", "m2"]);
    expect(lane![0]!.settles.map((w) => w.seq)).toEqual([1, 2, 3, 4]);
  });

  it("one item per call: a lane per lead, in order; Attio sends a person's last change only", () => {
    const items = [waiting(1, "a", "a@x"), waiting(2, "b", "b@x"), waiting(3, "a", "a@x")];
    const webhook = planCalls(DESTINATIONS.webhook, { url: "https://h.fake", headers: {}, timeoutMs: 1000, changes: true }, items);
    expect(webhook.map((lane) => lane.map((c) => ids(c.send)))).toEqual([[["m1"], ["m3"]], [["m2"]]]);
    const attio = planCalls(DESTINATIONS.attio, { apiKey: "k" }, items.map((w) => waiting(w.seq, w.leadId, w.item.lead.email, "change")));
    expect(attio.map((lane) => lane.map((c) => [ids(c.send), c.settles.map((w) => w.seq)]))).toEqual([[[["m3"], [1, 3]]], [[["m2"], [2]]]]);
  });
});

describe("shards", () => {
  it("a lead always lands in the same shard, and leads spread over all of them", () => {
    expect(shardOf("lead-1", 64)).toBe(shardOf("lead-1", 64));
    const used = new Set(Array.from({ length: 2000 }, (_, i) => shardOf(crypto.randomUUID(), 64)));
    expect(used.size).toBe(64);
  });

  it("a shard spends its share of the destination's pace", () => {
    expect(perShardRate({ limit: 50, periodSeconds: 1 }, 4)).toEqual({ limit: 12, periodSeconds: 1 });
    expect(perShardRate({ limit: 100, periodSeconds: 10 }, 64)).toEqual({ limit: 1, periodSeconds: 7 });
    expect(perShardRate({ limit: 1, periodSeconds: 1 }, 1)).toEqual({ limit: 1, periodSeconds: 1 });
    expect(perShardRate({ limit: 50, periodSeconds: 1 }, 64)).toEqual({ limit: 1, periodSeconds: 2 });
  });
});
