// npm run bench:cpu — all-in CPU per event: workerd's CPU time (utime +
// stime of the process, which runs the Worker, the lead objects, the queue
// consumers and D1) from the start of a load until workerd is idle again,
// divided by the events. The real Worker as deployed (no counters), c=50
// closed loops, single events and batches of 100, interleaved rounds.
import { readFile, readdir, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { build, start, setupLeadflare, LEADFLARE, OUT_DIR } from "./worker.mjs";
import { createClient, runLoad } from "./load.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const LEADS = 1000;
/**
 * Idle: less than this much CPU per second, for IDLE_SECONDS in a row. Long
 * enough for deferred work to show: a busy lead holds its summary back for up
 * to PROJECTION_INTERVAL_SECONDS (15 s, +20% jitter) after its last send.
 */
const IDLE_CPU_MS_PER_S = 20;
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 20);
const IDLE_TIMEOUT_S = 180;

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
async function cpuUntilIdle(pid) {
  let quiet = 0;
  let idleCpu = 0;
  let last = await cpuMs(pid);
  for (let s = 0; s < IDLE_TIMEOUT_S; s++) {
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
    if (quiet >= IDLE_SECONDS) return { cpu: now - idleCpu, settled: true };
  }
  return { cpu: last, settled: false };
}

const built = await build(LEADFLARE);
const { mf, url } = await start(LEADFLARE, built);
const rows = [];
try {
  const pid = await workerdPid();
  const { ingestHeaders } = await setupLeadflare(url, mf, { sourceRateLimit: { limit: 1_000_000, periodSeconds: 1 } });
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
  // Warm-up: every lead exists, then idle.
  await runLoad({ client, headers: ingestHeaders, concurrency: CONCURRENCY, durationMs: 3000, minRequests: LEADS, makeRequest: shapes.single });
  await cpuUntilIdle(pid);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const shape of ["single", "batch"]) {
      const cpu0 = await cpuMs(pid);
      const load = await runLoad({ client, headers: ingestHeaders, concurrency: CONCURRENCY, durationMs: SECONDS * 1000, makeRequest: shapes[shape] });
      const cpuInWindow = (await cpuMs(pid)) - cpu0;
      const idle = await cpuUntilIdle(pid);
      const row = {
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
  }
  await client.close();
} finally {
  await mf.dispose();
}

console.log(`all-in CPU per event (workerd utime+stime from load start until idle), ${SECONDS} s per phase, c=${CONCURRENCY}, commit ${built.source.commit}${built.source.dirty ? " (dirty)" : ""}`);
console.log("| round | shape | req/s | events/s | p99 ms | CPU ms/event in window | CPU ms/event until idle | CPU s after the load |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) console.log(`| ${r.round} | ${r.shape} | ${r.requestsPerSec} | ${r.eventsPerSec} | ${r.p99Ms} | ${r.cpuMsPerEventInWindow.toFixed(3)} | ${r.cpuMsPerEventUntilIdle.toFixed(3)}${r.settled ? "" : " (not idle)"} | ${r.afterLoadCpuS.toFixed(2)} |`);
await mkdir(OUT_DIR, { recursive: true });
await writeFile(path.join(OUT_DIR, "cpu.json"), JSON.stringify({ source: built.source, seconds: SECONDS, concurrency: CONCURRENCY, rows }, null, 2));
