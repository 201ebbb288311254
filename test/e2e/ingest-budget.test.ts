// The per-event budgets of docs/capacity.md, counted in the real runtime: the
// op-counting harness (bench/capacity) runs the real Worker in workerd with
// every D1, Durable Object and Queue binding wrapped in counters.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness, type Run } from "../../bench/capacity/harness.mjs";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

const sum = (tallies: Record<string, number>[], key: string) => tallies.reduce((n, t) => n + (t[key] ?? 0), 0);
/** D1 write statements made by the invocations whose label matches. */
const d1Writes = (run: Run, callers: RegExp) =>
  sum(Object.entries(run.counts.d1ByCaller).filter(([caller]) => callers.test(caller)).map(([, t]) => t), "writeQueries");

describe("per-event budgets (op-counting harness)", () => {
  it("ingest writes nothing to D1 at steady state, for single events and batches of 100", async () => {
    for (const shape of ["single", "batch"] as const) {
      const run = await harness.run({ label: `budget-${shape}`, ns: harness.plain, shape, leads: 40, events: shape === "single" ? 200 : 1000 });
      // The path ran: every event reached its lead object.
      expect(sum(Object.values(run.counts.doInvocations), "rpc:ingest")).toBeGreaterThanOrEqual(shape === "single" ? 200 : 100);
      // Ingest requests, the lead objects' ingest and their alarms.
      expect(d1Writes(run, /^(worker\.fetch|LeadObject\.)/)).toBe(0);
      // The D1 writes that remain are the projection's: at most one statement per consumer batch.
      const projectionBatches = sum(Object.entries(run.counts.consumers).filter(([q]) => q.startsWith("leadflare-projection")).map(([, t]) => t), "batches");
      expect(d1Writes(run, /^worker\.queue:leadflare-projection/)).toBeLessThanOrEqual(projectionBatches);
      // The write key's RateLimiter: one call per lease of 100 tokens (and a lapsed lease now and then), not one per concurrent request.
      const limiterCalls = Object.values(run.counts.doRequests.RATE_LIMITER ?? {}).reduce((a, b) => a + b, 0);
      expect(limiterCalls).toBeGreaterThan(0);
      expect(limiterCalls).toBeLessThanOrEqual(Math.max(4, run.requests / 20));
    }
  });

  it("spreads the leads' summaries over the projection queues", async () => {
    const run = await harness.run({ label: "budget-projection", ns: harness.plain, shape: "single", leads: 80, events: 160 });
    const used = Object.entries(run.counts.queues).filter(([binding, t]) => binding.startsWith("PROJECTION") && (t.messages ?? 0) > 0);
    expect(used.length).toBeGreaterThanOrEqual(3);
    // One summary per lead: none lost, none sent per event.
    expect(sum(used.map(([, t]) => t), "messages")).toBe(80);
  });

  it("coalesces live-stream publishes: far fewer calls to the namespace's LiveObject than ingest requests, every notice delivered", async () => {
    const watched = await harness.namespace("budget-watched", []);
    const run = await harness.run({ label: "budget-live", ns: watched, shape: "single", leads: 30, events: 300, watcher: true });
    const publishes = Object.values(run.counts.doRequests.LIVE ?? {}).reduce((a, b) => a + b, 0);
    expect(run.liveNotices).toBe(300);
    expect(publishes).toBeGreaterThan(0);
    expect(publishes).toBeLessThanOrEqual(run.requests / 5);
  });
});
