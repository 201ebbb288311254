// npm run bench:capacity — counts every operation of the real Worker under
// scripted workloads (bench/capacity/harness.mjs), prints per-event figures and
// the largest per-invocation figures, scales them to 1,000,000 events/min
// over 100,000 leads (bench/capacity/model.mjs) and writes
// bench/out/capacity.json. See docs/capacity.md.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { unstable_readConfig } from "wrangler";
import { startHarness } from "./capacity/harness.mjs";
import { perInvocation, perOp, scale } from "./capacity/model.mjs";
import { OUT_DIR, ROOT } from "./worker.mjs";

// The archive shards' files written within the count (see harness.mjs).
process.env.CAPACITY_ARCHIVE_GATHER_MS ??= "3000";
const TARGET = { eventsPerMinute: 1_000_000, leads: 100_000, isolates: Number(process.env.CAPACITY_ISOLATES ?? 100) };
const LEADS = Number(process.env.CAPACITY_LEADS ?? 300);
const SINGLE_EVENTS = Number(process.env.CAPACITY_SINGLE_EVENTS ?? 1500);
const BATCH_EVENTS = Number(process.env.CAPACITY_BATCH_EVENTS ?? 6000);

const config = unstable_readConfig({ config: path.join(ROOT, "wrangler.toml") });
// CAPACITY_PROJECTION_INTERVAL_SECONDS models another summary interval (with --model-only: the last run's counts).
const projectionIntervalSeconds = Number(process.env.CAPACITY_PROJECTION_INTERVAL_SECONDS ?? config.vars.PROJECTION_INTERVAL_SECONDS);
const projectionBatchSize = Math.min(...config.queues.consumers.filter((c) => c.queue.startsWith("leadflare-projection")).map((c) => c.max_batch_size ?? 10));

const destinations = [
  // A receiver that keeps up with the load (the default pace, 50 calls/s, would hold most items back as rows).
  { name: "hook", type: "webhook", config: { url: "https://hooks.bench-fake.com/in", callsPerSecond: 10_000 } },
  { name: "mixpanel", type: "mixpanel", config: { token: "bench-token" } },
];

// `--model-only`: recompute the model from the counts of the last run (bench/out/capacity.json).
const runs = process.argv.includes("--model-only") ? JSON.parse(await readFile(path.join(OUT_DIR, "capacity.json"), "utf8")).raw : await measure();

async function measure() {
  const h = await startHarness();
  const runs = [];
  try {
    const plain = h.plain;
    const withDestinations = await h.namespace("two-destinations", destinations);
    const watched = await h.namespace("watched", []);
    const workloads = [
      { label: "browser, 0 destinations", ns: plain, shape: "single", events: SINGLE_EVENTS },
      { label: "server, 0 destinations", ns: plain, shape: "batch", events: BATCH_EVENTS },
      { label: "browser, 2 destinations", ns: withDestinations, shape: "single", events: SINGLE_EVENTS },
      { label: "server, 2 destinations", ns: withDestinations, shape: "batch", events: BATCH_EVENTS },
      { label: "browser, live watcher", ns: watched, shape: "single", events: SINGLE_EVENTS, watcher: true },
      { label: "server, live watcher", ns: watched, shape: "batch", events: BATCH_EVENTS, watcher: true },
    ];
    for (const w of workloads) {
      console.error(`running: ${w.label}`);
      runs.push(await h.run({ ...w, leads: LEADS }));
    }
  } finally {
    await h.close();
  }
  return runs;
}

const projectionQueues = config.queues.producers.filter((p) => p.queue.startsWith("leadflare-projection")).length;
// Producer bindings by family (DESTINATIONS, DESTINATIONS_1 … → DESTINATIONS: 8): a lead always sends to one queue of its family.
const queueFamilies = {};
for (const p of config.queues.producers) {
  const family = p.binding.replace(/_\d+$/, "");
  queueFamilies[family] = (queueFamilies[family] ?? 0) + 1;
}
// The projection consumer's D1 time per summary, pooled over all workloads (local durations are whole ms and noisy).
const pooled = runs.map(perOp).reduce((acc, o) => ({ busy: acc.busy + (o.perSummary["d1BusyMs:projection"] ?? 0) * o.summaries, summaries: acc.summaries + o.summaries }), { busy: 0, summaries: 0 });
const projectionBusyMsPerSummary = pooled.busy / Math.max(1, pooled.summaries);
const models = runs.map((run) => {
  const liveRpcs = Object.values(run.counts.doRequests.LIVE ?? {}).reduce((a, b) => a + b, 0);
  return scale(run, {
    ...TARGET,
    projectionIntervalSeconds,
    projectionBatchSize,
    projectionQueues,
    queueFamilies,
    deliveryShards: Number(config.vars.DELIVERY_SHARDS),
    archiveShards: Number(config.vars.ARCHIVE_SHARDS),
    projectionBusyMsPerSummary,
    liveFlushesPerIsolatePerSecond: run.liveNotices !== undefined ? liveRpcs / (run.loadMs / 1000) : undefined,
  });
});
const worst = models.reduce((a, b) => (b.hottest.utilisation > a.hottest.utilisation ? b : a));
const invocation = perInvocation(runs);

const fmt = (n) => (typeof n === "number" ? (Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : String(Math.round(n * 1000) / 1000)) : String(n));
for (const [i, run] of runs.entries()) {
  const { perEvent, perSummary, perBatch, perSecond, summaries, projectionBatches } = perOp(run);
  console.log(`\n## ${run.label}: ${run.events} events in ${run.requests} requests over ${run.leads} leads; ${summaries} summaries in ${projectionBatches} projection batches; CPU ${fmt(run.cpuMsUntilIdle / run.events)} ms/event until idle${run.liveNotices !== undefined ? `; watcher got ${run.liveNotices} notices` : ""}`);
  console.log("per event:   " + Object.entries(perEvent).map(([k, v]) => `${k}=${fmt(v)}`).join("  "));
  console.log("per summary: " + Object.entries(perSummary).map(([k, v]) => `${k}=${fmt(v)}`).join("  "));
  console.log("per projection batch: " + Object.entries(perBatch).map(([k, v]) => `${k}=${fmt(v)}`).join("  "));
  console.log("per second (delivery shards): " + Object.entries(perSecond).map(([k, v]) => `${k}=${fmt(v)}`).join("  "));
  console.log(`at ${TARGET.eventsPerMinute.toLocaleString("en-US")} events/min over ${TARGET.leads.toLocaleString("en-US")} leads:`);
  console.log("| resource | rate | limit | utilisation |\n| --- | ---: | ---: | ---: |");
  for (const r of models[i].resources) console.log(`| ${r.resource} | ${fmt(r.rate)} | ${fmt(r.limit)} ${r.unit ?? ""} | ${(r.utilisation * 100).toFixed(1)}% |`);
  console.log(`cost per million events: ${Object.entries(models[i].costPerMillionEvents).map(([k, v]) => `${k} $${v}`).join(", ")}`);
}
console.log("\n## largest per invocation (any workload)\n| what | largest | limit | where |\n| --- | ---: | ---: | --- |");
for (const [k, v] of Object.entries(invocation)) console.log(`| ${k} | ${v.largest} | ${v.limit ?? "-"} | ${v.workload}: ${v.where ?? ""} |`);

const out = {
  eventsPerMinute: TARGET.eventsPerMinute,
  leads: TARGET.leads,
  projectionIntervalSeconds,
  projectionBatchSize,
  projectionQueues,
  queueFamilies,
  projectionBusyMsPerSummary,
  assumedIsolates: TARGET.isolates,
  worstWorkload: worst.workload,
  perEvent: worst.perEvent,
  perSummary: worst.perSummary,
  hottest: worst.hottest,
  costPerMillionEvents: worst.costPerMillionEvents,
  perInvocation: invocation,
  workloads: models,
  raw: runs,
};
await mkdir(OUT_DIR, { recursive: true });
await writeFile(path.join(OUT_DIR, "capacity.json"), JSON.stringify(out, null, 2));
console.log(`\nworst: ${worst.workload}: hottest ${worst.hottest.resource} at ${(worst.hottest.utilisation * 100).toFixed(1)}% of its limit; cost per million events $${worst.costPerMillionEvents.total}`);
console.log(`wrote ${path.join(OUT_DIR, "capacity.json")}`);
