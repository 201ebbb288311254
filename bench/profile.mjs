// CPU profile of leadflare under the `single` (or `batch`) workload of run.mjs:
// workerd's V8 inspector (Profiler domain) records while the load runs, then
// self time is summed per function and per source file. See bench/README.md.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createClient, runLoad } from "./load.mjs";
import { build, LEADFLARE, OUT_DIR, setupLeadflare, start } from "./worker.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const WORKLOAD = process.env.PROFILE_WORKLOAD ?? "single";
const CONCURRENCY = 50;
const USERS = 1000;
const INSPECTOR_PORT = 9329;
const TOP = Number(process.env.PROFILE_TOP ?? 40);

const runId = Date.now().toString(36);
let seq = 0;
const track = (userId) => ({ userId, event: "Page Viewed", properties: { n: seq }, messageId: `p-${runId}-${seq++}`, timestamp: new Date().toISOString() });
const make =
  WORKLOAD === "batch"
    ? () => {
        const first = (seq * 10) % USERS;
        const batch = Array.from({ length: 100 }, (_, j) => ({ type: "track", ...track(`u${(first + (j % 10)) % USERS}`) }));
        return { path: "/v1/batch", body: JSON.stringify({ batch }), events: 100 };
      }
    : () => ({ path: "/v1/track", body: JSON.stringify(track(`u${seq % USERS}`)), events: 1 });

/** One inspector session per isolate target that workerd lists. */
async function connect(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (msg) => {
    const data = JSON.parse(msg.data);
    if (data.id && pending.has(data.id)) {
      pending.get(data.id)(data);
      pending.delete(data.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { send, close: () => ws.close() };
}

const worker = LEADFLARE;
const built = await build(worker);
const { mf, url } = await start(worker, built, { inspectorPort: INSPECTOR_PORT });
try {
  const { ingestHeaders } = await setupLeadflare(url, mf, { sourceRateLimit: { limit: 1_000_000, periodSeconds: 1 } });
  const client = createClient(url, CONCURRENCY);
  const load = { client, headers: ingestHeaders, concurrency: CONCURRENCY, makeRequest: make };
  process.stderr.write(`warm-up\n`);
  await runLoad({ ...load, durationMs: 3000, minRequests: USERS });

  const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json();
  const sessions = [];
  for (const target of targets) {
    const session = await connect(target.webSocketDebuggerUrl);
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: 200 });
    await session.send("Profiler.start");
    sessions.push({ target, session });
  }
  const result = await runLoad({ ...load, durationMs: SECONDS * 1000 });
  process.stderr.write(`${WORKLOAD}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms\n`);

  await mkdir(path.join(OUT_DIR, "profiles"), { recursive: true });
  for (const { target, session } of sessions) {
    const { result: stopped } = await session.send("Profiler.stop");
    session.close();
    const profile = stopped.profile;
    const file = path.join(OUT_DIR, "profiles", `${target.id.replace(/[^a-z0-9]+/gi, "_")}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    report(target.title ?? target.id, profile, file);
  }
  await client.close();
} finally {
  await mf.dispose();
}

function report(name, profile, file) {
  const dt = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map();
  const counts = new Map();
  for (const sample of profile.samples) counts.set(sample, (counts.get(sample) ?? 0) + 1);
  const perSample = dt / profile.samples.length;
  const byFunction = new Map();
  const byFile = new Map();
  let total = 0;
  for (const [nodeId, n] of counts) {
    const node = byNode.get(nodeId);
    const frame = node.callFrame;
    const ms = n * perSample;
    total += ms;
    const key = `${frame.functionName || "(anonymous)"} ${path.basename(frame.url || "")}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
    const fileKey = frame.url ? path.basename(frame.url) : frame.functionName;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + ms);
  }
  void selfMs;
  const idle = byFunction.get("(idle) :0") ?? 0;
  console.log(`\n== ${name}: ${(total / 1000).toFixed(1)} s sampled, ${(idle / 1000).toFixed(1)} s idle — ${file}`);
  for (const [key, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${((ms / total) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${key}`);
  }
}
