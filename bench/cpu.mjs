// npm run bench:cpu — all-in CPU per event: workerd's CPU time (utime +
// stime of the process, which runs the Worker, the lead objects, the queue
// consumers and D1) from the start of a load until workerd is idle again,
// divided by the events. The real Worker as deployed (no counters), c=50
// closed loops, single events and batches of 100, interleaved rounds.
import { readFile, readdir, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { spawn } from "node:child_process";
import { build, start, setupLeadflare, BENCH_DIR, LEADFLARE, OUT_DIR } from "./worker.mjs";
import { createClient, runLoad } from "./load.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const SHAPES = (process.env.BENCH_SHAPES ?? "single,batch").split(",").map((s) => s.trim());
const LEADS = Number(process.env.BENCH_LEADS ?? 1000);
/**
 * Idle: less than this much CPU per second, for IDLE_SECONDS in a row, and
 * not before the deferred work is due (deferredSeconds): a busy lead holds
 * its summary back for up to PROJECTION_INTERVAL_SECONDS (+20% jitter) after
 * its last send, an archive shard gathers for ARCHIVE_GATHER_MS.
 */
const IDLE_CPU_MS_PER_S = 20;
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 20);
const IDLE_TIMEOUT_S = 180;

/**
 * BENCH_PERF=1: Linux perf samples workerd (native frames: V8, SQLite, the
 * RPC and HTTP machinery) from the load's start until idle, into
 * bench/out/perf-<worker>-<shape>-<round>.data for `perf report -i …`.
 */
function recordPerf(pid, label) {
  const file = path.join(OUT_DIR, `perf-${label}.data`);
  const child = process.env.BENCH_STRACE
    ? spawn("strace", ["-c", "-f", "-p", String(pid), "-o", file.replace(/\.data$/, ".strace.txt")], { stdio: "ignore" })
    : spawn("perf", ["record", "-F", "499", "-g", "-p", String(pid), "-o", file], { stdio: "ignore" });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGINT");
      }),
  };
}

async function workerdPid() {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      if (stat.includes("(workerd)") && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid) return Number(entry);
    } catch {}
  }
  throw new Error("workerd not found");
}
async function cpuMs(pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
/** Waits until workerd's CPU use stays under IDLE_CPU_MS_PER_S; returns its CPU time then (the idle seconds' own small use subtracted). */
async function cpuUntilIdle(pid, notBeforeS = 0) {
  let quiet = 0;
  let idleCpu = 0;
  let last = await cpuMs(pid);
  for (let s = 0; s < IDLE_TIMEOUT_S + notBeforeS; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await cpuMs(pid);
    if (now - last < IDLE_CPU_MS_PER_S) {
      quiet++;
      idleCpu += now - last;
    } else {
      quiet = 0;
      idleCpu = 0;
    }
    last = now;
    if (quiet >= IDLE_SECONDS && s + 1 >= notBeforeS) return { cpu: now - idleCpu, settled: true };
  }
  return { cpu: last, settled: false };
}

// BENCH_CPU_WORKERS=bare-do,leadflare also measures a ceiling of run.mjs the
// same way (bare-do: one Durable Object write per event and nothing else).
const CEILINGS = {
  noop: { name: "noop", config: path.join(BENCH_DIR, "ceilings/noop/wrangler.toml"), durableObjects: false },
  "bare-do": { name: "bare-do", config: path.join(BENCH_DIR, "ceilings/bare-do/wrangler.toml") },
};
const workerNames = (process.env.BENCH_CPU_WORKERS ?? "leadflare").split(",").map((s) => s.trim());
const rows = [];
let source;
for (const name of workerNames) {
  const worker = name === "leadflare" ? LEADFLARE : CEILINGS[name];
  if (!worker) throw new Error(`unknown worker ${name}`);
  const built = await build(worker);
  source ??= built.source;
  rows.push(...(await measure(name, built, worker)));
}

/** How long after a load the Worker's deferred work can still start (0 for the ceilings, which defer nothing). */
function deferredSeconds(name, vars) {
  if (name !== "leadflare") return 0;
  const v = { ...vars, ...JSON.parse(process.env.BENCH_VARS ?? "{}") };
  const archiveS = v.ARCHIVE_EVENTS === "off" ? 0 : Number(v.ARCHIVE_GATHER_MS ?? 0) / 1000;
  return Math.ceil(Math.max(1.2 * Number(v.PROJECTION_INTERVAL_SECONDS ?? 0), Number(v.CURSOR_SAVE_SECONDS ?? 0), archiveS)) + 5;
}

async function measure(name, built, worker) {
const { mf, url } = await start(worker, built);
const rows = [];
try {
  const pid = await workerdPid();
  const ingestHeaders =
    name === "leadflare"
      ? (await setupLeadflare(url, mf, { sourceRateLimit: { limit: 1_000_000, periodSeconds: 1 } })).ingestHeaders
      : { "content-type": "application/json" };
  const client = createClient(url, CONCURRENCY);
  let seq = 0;
  const track = (lead) => ({ type: "track", userId: `u${lead}`, event: "Viewed Pricing", messageId: `cpu-${seq++}`, properties: { path: "/pricing" } });
  const shapes = {
    single: () => ({ path: "/v1/track", body: JSON.stringify(track(seq % LEADS)), events: 1 }),
    batch: () => {
      const first = seq;
      return { path: "/v1/batch", body: JSON.stringify({ batch: Array.from({ length: 100 }, (_, k) => track((Math.floor(first / 10) + Math.floor(k / 10)) % LEADS)) }), events: 100 };
    },
  };
  // The cold round: one event to each of LEADS leads never seen (their first contact), then idle.
  // Every later round finds them all.
  const phases = [{ round: "cold", shape: "single", durationMs: 0, minRequests: LEADS, maxRequests: LEADS }];
  for (let round = 1; round <= ROUNDS; round++) for (const shape of SHAPES) phases.push({ round, shape, durationMs: SECONDS * 1000 });
  for (const { round, shape, ...phase } of phases) {
    const perf = process.env.BENCH_PERF || process.env.BENCH_STRACE ? recordPerf(pid, `${name}-${shape}-${round}`) : undefined;
    const cpu0 = await cpuMs(pid);
    const load = await runLoad({ client, headers: ingestHeaders, concurrency: CONCURRENCY, ...phase, makeRequest: shapes[shape] });
    const cpuInWindow = (await cpuMs(pid)) - cpu0;
    const idle = await cpuUntilIdle(pid, deferredSeconds(name, built.vars));
    await perf?.stop();
    const row = {
      worker: name,
      round,
      shape,
      events: load.events,
      requestsPerSec: Math.round(load.requestsPerSec),
      eventsPerSec: Math.round(load.eventsPerSec),
      p99Ms: Math.round(load.p99Ms),
      errors: load.errors,
      cpuMsPerEventInWindow: cpuInWindow / load.events,
      cpuMsPerEventUntilIdle: (idle.cpu - cpu0) / load.events,
      afterLoadCpuS: (idle.cpu - cpu0 - cpuInWindow) / 1000,
      settled: idle.settled,
    };
    rows.push(row);
    console.error(JSON.stringify(row));
  }
  await client.close();
} finally {
  await mf.dispose();
}
return rows;
}

console.log(`all-in CPU per event (workerd utime+stime from load start until idle), ${SECONDS} s per phase, c=${CONCURRENCY}, commit ${source?.commit}${source?.dirty ? " (dirty)" : ""}`);
console.log("| worker | round | shape | req/s | events/s | p99 ms | CPU ms/event in window | CPU ms/event until idle | CPU s after the load |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) console.log(`| ${r.worker} | ${r.round} | ${r.shape} | ${r.requestsPerSec} | ${r.eventsPerSec} | ${r.p99Ms} | ${r.cpuMsPerEventInWindow.toFixed(3)} | ${r.cpuMsPerEventUntilIdle.toFixed(3)}${r.settled ? "" : " (not idle)"} | ${r.afterLoadCpuS.toFixed(2)} |`);
await mkdir(OUT_DIR, { recursive: true });
await writeFile(path.join(OUT_DIR, "cpu.json"), JSON.stringify({ source, seconds: SECONDS, concurrency: CONCURRENCY, rows }, null, 2));
