import { describe, expect, it } from "vitest";
import { RoundGatherer, outcomesOf, waitingOf, type Handed } from "../../../durable/delivery-round";
import { SentIds } from "../../../durable/delivery-sent";
import type { DeliveryItem } from "../../../src/destinations/types";

const item = (messageId: string): DeliveryItem => ({ messageId, kind: "event", lead: { id: "l" } as DeliveryItem["lead"], event: { event: "Viewed" } });

describe("a delivery round's pure parts", () => {
  it("gathers hand-overs arriving within the gather time into one round, and runs rounds one at a time", async () => {
    const rounds: string[][] = [];
    let running = 0;
    const gatherer = new RoundGatherer(async (handed: Handed[]) => {
      expect(running++).toBe(0);
      rounds.push(handed.flatMap((h) => h.items.map((i) => i.messageId)));
      await new Promise((r) => setTimeout(r, 30));
      running--;
    });
    const first = gatherer.join({ leadId: "a", items: [item("a1")] }, 20);
    const second = gatherer.join({ leadId: "b", items: [item("b1")] }, 20);
    await new Promise((r) => setTimeout(r, 25));
    // The first round is running: this one gathers until it ends.
    const third = gatherer.join({ leadId: "a", items: [item("a2")] }, 1);
    const fourth = gatherer.join({ leadId: "c", items: [item("c1")] }, 1);
    await Promise.all([first, second, third, fourth]);
    expect(rounds).toEqual([
      ["a1", "b1"],
      ["a2", "c1"],
    ]);
  });

  it("logs what was delivered, keeps a failed try (waiting or dead) and what was never tried, in order", () => {
    const waiting = waitingOf([
      { leadId: "a", items: [item("a1"), item("a2"), item("a3")] },
      { leadId: "b", items: [item("b1")] },
    ]);
    const results = new Map([
      [0, { ok: true as const, status: 200, body: "" }],
      [1, { ok: false as const, retryable: true, status: 503, error: "HTTP 503" }],
      [3, { ok: false as const, retryable: false, status: 422, error: "HTTP 422" }],
    ]);
    const { delivered, kept } = outcomesOf(waiting, results, 8, 1_000);
    expect(delivered.map((d) => [d.messageId, d.leadId, d.attempts, d.lastStatus, d.updatedAt])).toEqual([["a1", "a", 1, 200, 1_000]]);
    expect(kept.map((k) => [k.item.messageId, k.status, k.attempts, k.lastStatus])).toEqual([
      ["a2", "pending", 1, 503],
      ["a3", "pending", 0, null],
      ["b1", "dead", 1, 422],
    ]);
    // Out of tries at once: dead.
    expect(outcomesOf(waiting.slice(1, 2), results, 1, 0).kept[0]!.status).toBe("dead");
  });

  it("remembers delivered messageIds for an hour, the newest 100,000 at most", () => {
    const sent = new SentIds();
    sent.add("m0", 0);
    expect(sent.has("m0", 1_000)).toBe(true);
    expect(sent.has("m0", SentIds.MAX_AGE_MS + 1)).toBe(false);
    for (let i = 1; i <= SentIds.MAX_IDS; i++) sent.add(`m${i}`, 10);
    expect(sent.has("m0", 10)).toBe(false);
    expect(sent.has("m1", 10)).toBe(true);
    expect(sent.has(`m${SentIds.MAX_IDS}`, 10)).toBe(true);
  });
});
