// Benchmarks the leadflare ingest path on workerd (through Miniflare), next to
// two ceilings built with the same toolchain. See bench/README.md.
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createClient, runLoad } from "./load.mjs";
import { adminHeaders, BENCH_DIR, build, getJson, LEADFLARE, OUT_DIR, poll, setupLeadflare, start } from "./worker.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const USERS = 1000;
const BATCH_SIZE = 100;
const LEADS_PER_BATCH = 10;
const PROJECTION_TIMEOUT_SECONDS = 120;

const WORKERS = [
  { name: "noop", config: path.join(BENCH_DIR, "ceilings/noop/wrangler.toml"), durableObjects: false },
  { name: "bare-do", config: path.join(BENCH_DIR, "ceilings/bare-do/wrangler.toml") },
  {
    ...LEADFLARE,
    setup: async (url, mf) => (await setupLeadflare(url, mf, { sourceRateLimit: { limit: 1_000_000, periodSeconds: 1 } })).ingestHeaders,
    afterLoad: checkProjection,
  },
  // The same Worker with the rate limiter off (RATE_LIMITS = "off"): the difference is the limiter's cost.
  // Not run by default; BENCH_WORKERS=leadflare,leadflare-nolimit runs both back to back.
  {
    ...LEADFLARE,
    name: "leadflare-nolimit",
    optIn: true,
    bindings: { RATE_LIMITS: "off" },
    setup: async (url, mf) => (await setupLeadflare(url, mf)).ingestHeaders,
    afterLoad: checkProjection,
  },
];
const only = process.env.BENCH_WORKERS?.split(",").map((s) => s.trim());
const selected = only ? WORKERS.filter((w) => only.includes(w.name)) : WORKERS.filter((w) => !w.optIn);
const onlyWorkloads = process.env.BENCH_WORKLOADS?.split(",").map((s) => s.trim());

// ---- workloads ----------------------------------------------------------

const runId = Date.now().toString(36);
let seq = 0;
let batches = 0;

function track(userId) {
  const n = seq++;
  return {
    userId,
    event: "Page Viewed",
    properties: { n },
    messageId: `bench-${runId}-${n}`,
    timestamp: new Date().toISOString(),
  };
}

// Warm-up sends at least `warmupRequests`, so that every one of the USERS
// leads exists (Durable Object created, identity resolved) before measuring.
const WORKLOADS = {
  single: {
    warmupRequests: USERS,
    make: () => ({ path: "/v1/track", body: JSON.stringify(track(`u${seq % USERS}`)), events: 1 }),
  },
  batch: {
    warmupRequests: USERS / LEADS_PER_BATCH,
    make() {
      const first = (batches++ * LEADS_PER_BATCH) % USERS;
      const batch = [];
      for (let j = 0; j < BATCH_SIZE; j++) {
        batch.push({ type: "track", ...track(`u${(first + (j % LEADS_PER_BATCH)) % USERS}`) });
      }
      return {
        path: "/v1/batch",
        body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
        events: BATCH_SIZE,
      };
    },
  },
};

// ---- after the load: the D1 projection (via the PROJECTION queue) ----------

// Lead objects send their summary to the PROJECTION queue about 2 s after a
// change, then at most once per PROJECTION_INTERVAL_SECONDS (60 s) while they
// keep changing; the queue consumer upserts it into D1. This waits (bounded) until
// the stats read from the projection count every lead and every event sent,
// which shows the queues work and how long the projection trails the load.
async function checkProjection({ client, sentEvents, log }) {
  const route = "/api/namespaces/bench/stats";
  let last;
  try {
    const { ms } = await poll(
      async () => {
        last = await getJson(client, route, adminHeaders);
        return last.leads === USERS && last.events >= sentEvents;
      },
      { timeoutMs: PROJECTION_TIMEOUT_SECONDS * 1000, intervalMs: 250, what: `${USERS} leads and ${sentEvents} events in ${route}` },
    );
    log(`projection: ${last.leads} leads, ${last.events} events, ${(ms / 1000).toFixed(1)}s after the load`);
    return { caughtUp: true, seconds: ms / 1000, leads: last.leads, events: last.events, sentEvents };
  } catch (err) {
    log(`projection: ${err.message}; last stats: ${last ? `${last.leads} leads, ${last.events} events` : "none"}`);
    return { caughtUp: false, error: err.message, leads: last?.leads, events: last?.events, sentEvents };
  }
}

// ---- main ---------------------------------------------------------------

const results = [];
const failures = [];
const afterLoad = {};
const sources = {};
let current;
process.once("SIGINT", () => {
  Promise.resolve(current?.dispose()).finally(() => process.exit(130));
});

for (const worker of selected) {
  const log = (msg) => process.stderr.write(`[${worker.name}] ${msg}\n`);
  try {
    log("building");
    const built = await build(worker);
    sources[worker.name] = built.source;
    log(`starting (commit ${built.source.commit}${built.source.dirty ? ", with uncommitted changes" : ""})`);
    const { mf, url } = await start(worker, built);
    current = mf;
    const headers = worker.setup ? await worker.setup(url, mf) : {};
    const client = createClient(url, CONCURRENCY);
    let sentEvents = 0;
    for (const [workload, { warmupRequests, make }] of Object.entries(WORKLOADS).filter(([w]) => !onlyWorkloads || onlyWorkloads.includes(w))) {
      const load = { client, headers, concurrency: CONCURRENCY, makeRequest: make };
      log(`${workload}: warm-up ${WARMUP_SECONDS}s (at least ${warmupRequests} requests), run ${SECONDS}s`);
      const warm = await runLoad({ ...load, durationMs: WARMUP_SECONDS * 1000, minRequests: warmupRequests });
      if (warm.firstError) log(`${workload}: warm-up error: ${warm.firstError}`);
      const r = await runLoad({ ...load, durationMs: SECONDS * 1000 });
      if (r.firstError) log(`${workload}: first error: ${r.firstError}`);
      results.push({ worker: worker.name, workload, ...r });
      sentEvents += warm.events + r.events;
    }
    if (worker.afterLoad && process.env.BENCH_PROJECTION !== "off") afterLoad[worker.name] = await worker.afterLoad({ client, sentEvents, log });
    await client.close();
  } catch (err) {
    log(`not run: ${err.message}`);
    failures.push({ worker: worker.name, error: err.message });
  } finally {
    await current?.dispose();
    current = undefined;
  }
}

// ---- report -------------------------------------------------------------

const find = (worker, workload) => results.find((r) => r.worker === worker && r.workload === workload);
const ratio = (a, b, key) => (a && b ? a[key] / b[key] : null);
const ratios = {
  leadflareToBareDoSingleRequestsPerSec: ratio(find("leadflare", "single"), find("bare-do", "single"), "requestsPerSec"),
  leadflareToBareDoBatchEventsPerSec: ratio(find("leadflare", "batch"), find("bare-do", "batch"), "eventsPerSec"),
  leadflareToNoLimitSingleRequestsPerSec: ratio(find("leadflare", "single"), find("leadflare-nolimit", "single"), "requestsPerSec"),
};
// The rate limiter's cost per request: the difference in median round trip, limiter on minus off.
const limiterP50Ms = (workload) => {
  const on = find("leadflare", workload);
  const off = find("leadflare-nolimit", workload);
  return on && off ? on.p50Ms - off.p50Ms : null;
};
ratios.limiterP50DeltaMsSingle = limiterP50Ms("single");
ratios.limiterP50DeltaMsBatch = limiterP50Ms("batch");

const fmt = (n, digits) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const rows = [
  ["worker", "workload", "requests/s", "events/s", "p50 ms", "p99 ms", "errors"],
  ...results.map((r) => [
    r.worker,
    r.workload,
    fmt(r.requestsPerSec, 0),
    fmt(r.eventsPerSec, 0),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    `${r.errors}/${r.requests}`,
  ]),
  ...failures.map((f) => [f.worker, "(not run)", "-", "-", "-", "-", "-"]),
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
const line = (row) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
const cpus = os.cpus();
console.log(
  `\nleadflare bench — ${new Date().toISOString()}, ${SECONDS}s per phase, concurrency ${CONCURRENCY}, ` +
    `${cpus.length} cores (${cpus[0]?.model}), node ${process.version}, ` +
    `commit ${(sources.leadflare ?? Object.values(sources)[0])?.commit ?? "?"}` +
    `${Object.values(sources).some((s) => s.dirty) ? " (with uncommitted changes)" : ""}\n`,
);
console.log(line(rows[0]));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
rows.slice(1).forEach((row) => console.log(line(row)));
console.log(`\nleadflare / bare-do, single requests/s: ${fmt(ratios.leadflareToBareDoSingleRequestsPerSec, 2)}`);
console.log(`leadflare / bare-do, batch events/s:    ${fmt(ratios.leadflareToBareDoBatchEventsPerSec, 2)}`);
if (ratios.leadflareToNoLimitSingleRequestsPerSec !== null) {
  console.log(`leadflare / leadflare-nolimit, single requests/s: ${fmt(ratios.leadflareToNoLimitSingleRequestsPerSec, 2)}`);
  console.log(`rate limiter, p50 on − off: single ${fmt(ratios.limiterP50DeltaMsSingle, 2)} ms, batch ${fmt(ratios.limiterP50DeltaMsBatch, 2)} ms`);
}
for (const [name, p] of Object.entries(afterLoad)) {
  console.log(
    p.caughtUp
      ? `${name} projection: ${p.leads} leads, ${p.events} events in D1 ${fmt(p.seconds, 1)}s after the load`
      : `${name} projection: NOT caught up (${p.error})`,
  );
}
for (const f of failures) console.log(`\n${f.worker} not run: ${f.error}`);

await mkdir(OUT_DIR, { recursive: true });
const report = {
  date: new Date().toISOString(),
  machine: { cores: cpus.length, cpu: cpus[0]?.model, node: process.version },
  source: sources.leadflare ?? Object.values(sources)[0],
  settings: {
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    concurrency: CONCURRENCY,
    users: USERS,
    batchSize: BATCH_SIZE,
    leadsPerBatch: LEADS_PER_BATCH,
  },
  results: results.map(({ firstError, ...r }) => ({ ...r, ...(firstError && { firstError }) })),
  ratios,
  projection: afterLoad.leadflare,
  failures,
};
await writeFile(path.join(OUT_DIR, "latest.json"), JSON.stringify(report, null, 2) + "\n");
if (failures.length) process.exitCode = 1;
