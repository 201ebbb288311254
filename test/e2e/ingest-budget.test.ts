// The per-event budgets of docs/capacity.md, counted in the real runtime: the
// op-counting harness (bench/capacity) runs the real Worker in workerd with
// every D1, Durable Object and Queue binding wrapped in counters.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_PROJECTION_INTERVAL_SECONDS, startHarness, type Harness, type Run } from "../../bench/capacity/harness.mjs";

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
/** An unspent rate-limit lease lapses after this long (LEASE_MS in src/http/rate-limit.ts): at most one renewal per key for that. */
const LEASE_MS = 1_000;
/** An isolate gathers a namespace's live notices this long before it publishes them in one call (src/live/publish.ts). */
const COALESCE_MS = 100;

// The counts below hold on a busy machine too: what a run may do more of when
// its load takes longer (a lease lapsing, a lead's second summary, another
// coalescing window) is bounded by the run's own elapsed time, as the features promise.

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
      // The write key's RateLimiter: one call per lease of 100 tokens, and one per lease lapsed (at most one per
      // LEASE_MS of load), not one per concurrent request.
      const limiterCalls = Object.values(run.counts.doRequests.RATE_LIMITER ?? {}).reduce((a, b) => a + b, 0);
      expect(limiterCalls).toBeGreaterThan(0);
      expect(limiterCalls).toBeLessThanOrEqual(Math.max(4, run.requests / 20) + Math.ceil(run.loadMs / LEASE_MS));
    }
  });

  it("spreads the leads' summaries over the projection queues: every lead's, at most one per lead per elapsed interval", async () => {
    const leads = 80;
    const events = 160;
    const run = await harness.run({ label: "budget-projection", ns: harness.plain, shape: "single", leads, events });
    const used = Object.entries(run.counts.queues).filter(([binding, t]) => binding.startsWith("PROJECTION") && (t.messages ?? 0) > 0);
    expect(used.length).toBeGreaterThanOrEqual(3);
    const summaries = sum(used.map(([, t]) => t), "messages");
    // None lost: every lead that changed sends its summary.
    expect(summaries).toBeGreaterThanOrEqual(leads);
    // A known lead gathers its changes for an interval (jittered, at least 80% of it) before it sends, so over a load
    // that took loadMs a lead sends at most 1 + loadMs / interval summaries: one each on a quiet machine, where the
    // load is shorter than an interval; a second one only when its events were further apart. Never one per event.
    const minIntervalMs = 0.8 * BENCH_PROJECTION_INTERVAL_SECONDS * 1000;
    expect(summaries).toBeLessThanOrEqual(Math.min(events, leads * (1 + Math.floor(run.loadMs / minIntervalMs))));
  });

  it("coalesces live-stream publishes: far fewer calls to the namespace's LiveObject than ingest requests, every notice delivered", async () => {
    const watched = await harness.namespace("budget-watched", []);
    const run = await harness.run({ label: "budget-live", ns: watched, shape: "single", leads: 30, events: 300, watcher: true });
    const publishes = Object.values(run.counts.doRequests.LIVE ?? {}).reduce((a, b) => a + b, 0);
    expect(run.liveNotices).toBe(300);
    expect(publishes).toBeGreaterThan(0);
    // At most one call per COALESCE_MS window, however many requests fall in it (a window opens at the first notice
    // after the last one closed): one per COALESCE_MS of load, and one more for the notices of the last answers,
    // published just after the load's clock stopped. On a quiet machine that is far fewer than the 300 requests.
    expect(publishes).toBeLessThanOrEqual(Math.floor(run.loadMs / COALESCE_MS) + 2);
  });
});
