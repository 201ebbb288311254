// `npm run bench:dev`: what a user running `npm start` gets, beside the
// Miniflare-direct figures of `npm run bench`, in one run (issue 33).
// Each variant starts a server, sends single events (each to a new lead, then to 100 known ones), then batches of 100 with
// a closed-loop client made of Node's global fetch (what a user's script
// would use), and stops it. See bench/README.md, "What `npm start` serves".
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DEV, prepareLocalState, startDev } from "../scripts/local.mjs";
import { build, LEADFLARE, setupLeadflare, start } from "./worker.mjs";
import { createServer } from "node:net";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const USERS = 1000;
/** The leads single events go to once they exist: the warm-up reaches every one of them. */
const KNOWN_USERS = 100;
const runId = Date.now().toString(36);
let seq = 0;

const track = (userId) => ({ userId, event: "Page Viewed", messageId: `dev-${runId}-${seq++}`, timestamp: new Date().toISOString() });
const WORKLOADS = {
  // Each event a lead's first: its object, meta and identity, its first summary and archive hand-over.
  "single, new leads": () => ({ path: "/v1/track", body: track(`new-${runId}-${seq}`), events: 1 }),
  // Visitors who come back: the same 100 leads, each seen before.
  "single, known leads": () => ({ path: "/v1/track", body: track(`known-${runId}-${seq % KNOWN_USERS}`), events: 1 }),
  // As `npm run bench`'s batch: 100 events over 10 leads.
  batch: () => {
    const first = seq;
    return { path: "/v1/batch", body: { batch: Array.from({ length: 100 }, (_, i) => ({ type: "track", ...track(`u${(Math.floor(first / 10) + Math.floor(i / 10)) % USERS}`) })) }, events: 100 };
  },
};

/** Closed loops of global fetch until the deadline: 2xx answers per second and round-trip percentiles. */
async function load(url, headers, makeRequest, durationMs, minRequests = 0) {
  const latencies = [];
  let ok = 0;
  let events = 0;
  let errors = 0;
  let firstError;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline || ok + errors < minRequests) {
        const { path: route, body, events: n } = makeRequest();
        const t0 = performance.now();
        try {
          const res = await fetch(url + route, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
          const text = await res.text();
          if (res.ok) (ok++, (events += n));
          else (errors++, (firstError ??= `${res.status} ${text.slice(0, 200)}`));
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? NaN;
  if (firstError) console.error(`  first error: ${firstError}`);
  return { requestsPerSec: ok / seconds, eventsPerSec: events / seconds, p50Ms: pct(0.5), p99Ms: pct(0.99), errors };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * CPU time (ms) used so far by `rootPid`'s process tree (the root itself only
 * when `withRoot`): the servers' own work, which on this shared machine is a
 * steadier figure than requests per second.
 */
function treeCpuMs(rootPid, withRoot) {
  return Object.values(treeCpuByProcess(rootPid, withRoot)).reduce((sum, ms) => sum + ms, 0);
}

/** The same, by process name (node: wrangler itself; workerd: the runtime). */
function treeCpuByProcess(rootPid, withRoot) {
  const stats = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(entry), { name, ppid: Number(fields[1]), cpu: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid) => {
    for (let p = pid; p > 1; p = stats.get(p)?.ppid ?? 0) if (p === rootPid) return pid !== rootPid || withRoot;
    return false;
  };
  const byName = {};
  for (const [pid, { name, cpu }] of stats) if (inTree(pid)) byName[name] = (byName[name] ?? 0) + cpu * TICK_MS;
  return byName;
}

const devHeaders = { authorization: `Basic ${Buffer.from(`${DEV.writeKey}:`).toString("base64")}` };

/** `wrangler dev` exactly as `npm start` runs it, state in `stateDir` (on disk unless it is a tmpfs), at `logLevel`. */
function wranglerDev(name, stateDir, logLevel = "warn") {
  return {
    name,
    async start() {
      await mkdir(stateDir, { recursive: true });
      const persistTo = await mkdtemp(path.join(stateDir, "leadflare-bench-dev-"));
      prepareLocalState(persistTo);
      const server = await startDev({ port: await freePort(), persistTo, stdio: "ignore", logLevel });
      return { url: server.url, headers: devHeaders, cpuMs: () => treeCpuMs(server.child.pid, true), cpuByProcess: () => treeCpuByProcess(server.child.pid, true), stop: async () => (server.stop(), await rm(persistTo, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })) };
    },
  };
}

const miniflareDirect = {
  name: "Miniflare direct (npm run bench)",
  async start() {
    const built = await build(LEADFLARE);
    const { mf, url } = await start(LEADFLARE, built);
    const headers = (await setupLeadflare(url, mf, { sourceRateLimit: { limit: 1_000_000, periodSeconds: 1 } })).ingestHeaders;
    // workerd is this process's child; this process itself is the client.
    return { url: url.replace(/\/$/, ""), headers, cpuMs: () => treeCpuMs(process.pid, false), cpuByProcess: () => treeCpuByProcess(process.pid, false), stop: () => mf.dispose() };
  },
};

const onDisk = path.join(LEADFLARE.root, ".wrangler");
const tmpfs = process.env.BENCH_TMPFS ?? "/dev/shm";
const VARIANTS = [
  wranglerDev("npm start (wrangler dev, state on disk, --log-level warn)", onDisk),
  wranglerDev("the same with LOG_LEVEL=info (a line per request)", onDisk, "info"),
  wranglerDev("the same, state on tmpfs", tmpfs),
  miniflareDirect,
];
const only = process.env.BENCH_VARIANTS?.split(",").map(Number);

const results = [];
for (const [index, variant] of VARIANTS.entries()) {
  if (only && !only.includes(index)) continue;
  const server = await variant.start();
  try {
    for (const [workload, makeRequest] of Object.entries(WORKLOADS)) {
      // Batches go to 1,000 leads, 10 a batch: 100 batches make them all known before the count.
      await load(server.url, server.headers, makeRequest, WARMUP_SECONDS * 1000, workload === "batch" ? USERS / 10 : 0);
      const cpuBefore = server.cpuMs();
      const byProcessBefore = server.cpuByProcess();
      const figures = await load(server.url, server.headers, makeRequest, SECONDS * 1000);
      const byProcess = Object.entries(server.cpuByProcess()).map(([name, ms]) => `${name} ${(((ms - (byProcessBefore[name] ?? 0)) / Math.max(1, figures.eventsPerSec * SECONDS))).toFixed(3)}`);
      const cpuMsPerEvent = (server.cpuMs() - cpuBefore) / Math.max(1, figures.eventsPerSec * SECONDS);
      results.push({ variant: variant.name, workload, ...figures, cpuMsPerEvent });
      console.log(`${variant.name} · ${workload}: ${figures.requestsPerSec.toFixed(0)} req/s, ${figures.eventsPerSec.toFixed(0)} events/s, p50 ${figures.p50Ms.toFixed(0)} ms, p99 ${figures.p99Ms.toFixed(0)} ms, server CPU ${cpuMsPerEvent.toFixed(3)} ms/event (${byProcess.join(", ")}), ${figures.errors} errors`);
    }
  } finally {
    await server.stop();
  }
}

const floor = Object.fromEntries(results.filter((r) => r.variant === miniflareDirect.name).map((r) => [r.workload, r]));
console.log(`\n${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; client: Node ${process.version} global fetch, c=${CONCURRENCY}, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up`);
console.log("| server | workload | events/s | × Miniflare direct | p50 ms | p99 ms | server CPU ms/event | × Miniflare direct |\n|---|---|---|---|---|---|---|---|");
for (const r of results) {
  const base = floor[r.workload];
  const rate = base ? (r.eventsPerSec / base.eventsPerSec).toFixed(2) : "–";
  const cpu = base ? (r.cpuMsPerEvent / base.cpuMsPerEvent).toFixed(2) : "–";
  console.log(`| ${r.variant} | ${r.workload} | ${r.eventsPerSec.toFixed(0)} | ${rate} | ${r.p50Ms.toFixed(0)} | ${r.p99Ms.toFixed(0)} | ${r.cpuMsPerEvent.toFixed(3)} | ${cpu} |`);
}
