// The op-counting harness: the real Worker (bench/capacity/index.ts wraps its
// bindings in counters) in Miniflare with all its bindings, under scripted
// workloads. Each workload warms its leads up, resets the counts, sends its
// events, waits until workerd is idle (no queue message, alarm or request
// for IDLE_MS), and reads the counts and workerd's CPU time.
import { readFile, mkdir, writeFile, readdir } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { build, start, setupLeadflare, adminHeaders, OUT_DIR, ROOT, BENCH_DIR } from "../worker.mjs";
import { createClient } from "../load.mjs";

const IDLE_MS = Number(process.env.CAPACITY_IDLE_MS ?? 6000);
const IDLE_TIMEOUT_MS = Number(process.env.CAPACITY_IDLE_TIMEOUT_MS ?? 120_000);
/** The bench's projection interval: short, so each run sees every lead's summary; the model scales summaries by the deployed interval. */
export const BENCH_PROJECTION_INTERVAL_SECONDS = 3;

/** wrangler.toml with the counting entry as main, no assets/build step, and AsyncLocalStorage for per-invocation counts. */
async function benchConfig() {
  const dir = path.join(OUT_DIR, "capacity");
  await mkdir(dir, { recursive: true });
  let toml = await readFile(path.join(ROOT, "wrangler.toml"), "utf8");
  // nodejs_compat (the Worker's own flag, for the Postgres driver) already brings AsyncLocalStorage.
  const flags = /^compatibility_flags\s*=/m.test(toml) ? "" : `\ncompatibility_flags = ["nodejs_als"]`;
  toml = toml
    .replace(/^main = .*$/m, `main = ${JSON.stringify(path.join(BENCH_DIR, "capacity/index.ts"))}${flags}`)
    .replace(/^migrations_dir = .*$/m, `migrations_dir = ${JSON.stringify(path.join(ROOT, "migrations"))}`)
    .replace(/^\[assets\][\s\S]*?(?=^\[(?!assets))/m, "")
    .replace(/^\[build\][\s\S]*$/m, "");
  const config = path.join(dir, "wrangler.toml");
  await writeFile(config, toml);
  return { name: "capacity", root: ROOT, config };
}

/** The outside services, on loopback: every path answers 200 with a body both the webhook and Mixpanel senders accept. */
function startFakes() {
  const byHost = {};
  const server = http.createServer((req, res) => {
    const host = req.url.split("/")[1];
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      byHost[host] = (byHost[host] ?? 0) + eventsIn(body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: 1, code: 200, num_records_imported: 0 }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, byHost, close: () => server.close() })),
  );
}

/** How many events one outside call carried: a JSON array, Mixpanel's `data=<base64 JSON>` form, or one. */
function eventsIn(body) {
  try {
    const json = body.startsWith("data=") ? Buffer.from(decodeURIComponent(body.slice(5)), "base64").toString() : body;
    const parsed = JSON.parse(json);
    if (Array.isArray(parsed)) return parsed.length;
    for (const key of ["batch", "events", "items", "deliveries"]) if (Array.isArray(parsed?.[key])) return parsed[key].length;
  } catch {}
  return 1;
}

/** workerd's pid (Miniflare's child) and its CPU time, utime + stime, in ms. */
async function workerdPid() {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (stat.includes("(workerd)") && Number(fields[1]) === process.pid) return Number(entry);
    } catch {}
  }
  return undefined;
}
async function cpuMs(pid) {
  if (!pid) return NaN;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ 100)
}

function activity(c) {
  const sum = (o) => Object.values(o ?? {}).reduce((n, v) => n + (typeof v === "number" ? v : sum(v)), 0);
  return sum(c.doInvocations) + sum(c.consumers) + sum(c.queues) + sum(c.subrequests) + sum(c.workerInvocations);
}

export async function startHarness() {
  const fakes = await startFakes();
  const worker = await benchConfig();
  const built = await build(worker);
  worker.bindings = {
    BENCH_FAKE_URL: fakes.url,
    MIXPANEL_API_URL: "https://api.mixpanel.bench-fake.com",
    PROJECTION_INTERVAL_SECONDS: String(BENCH_PROJECTION_INTERVAL_SECONDS),
    // The leads save their moved delivery cursors within the count too (production: 60 s), so those rows are
    // counted — more often than in production, where a lead's save covers a minute of confirmations.
    CURSOR_SAVE_SECONDS: String(BENCH_PROJECTION_INTERVAL_SECONDS),
    // bench:capacity has the archive shards write their files within the count (CAPACITY_ARCHIVE_GATHER_MS, 3 s;
    // production gathers 60 s): more files than production, so the rows per file and lead are overstated.
    ...(process.env.CAPACITY_ARCHIVE_GATHER_MS ? { ARCHIVE_GATHER_MS: process.env.CAPACITY_ARCHIVE_GATHER_MS } : {}),
    RATE_LIMIT_SOURCE_DEFAULT: "100000000/60",
    RATE_LIMIT_API_KEY_DEFAULT: "100000000/60",
    // Destinations' secrets are sealed at rest: a bench-only key.
    SECRETS_KEY: "bench:ZmFrZS1iZW5jaC1rZXktMzItYnl0ZXMtbG9uZyEhISE=",
  };
  const { mf, url } = await start(worker, built);
  const pid = await workerdPid();
  const client = createClient(url, 20);
  const { ingestHeaders, apiKey } = await setupLeadflare(url, mf, { name: "plain", apiKey: true });
  const counted = async (reset) => JSON.parse((await (reset ? client.post("/__bench/counts", "", {}) : client.get("/__bench/counts", {}))).text);

  async function namespace(name, destinations) {
    const post = async (route, body, headers) => {
      const res = await client.post(route, JSON.stringify(body), headers);
      if (res.status !== 201) throw new Error(`POST ${route}: ${res.status} ${res.text}`);
      return JSON.parse(res.text);
    };
    await post("/api/namespaces", { name }, adminHeaders);
    const { writeKey } = await post(`/api/namespaces/${name}/sources`, { name: "bench" }, adminHeaders);
    const { key } = await post(`/api/namespaces/${name}/api-keys`, { name: "bench" }, adminHeaders);
    const api = { authorization: `Bearer ${key}` };
    for (const d of destinations) await post("/api/destinations", d, api);
    return { ingestHeaders: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}` }, apiKey: key };
  }

  async function waitIdle() {
    let last = -1;
    let since = Date.now();
    const t0 = Date.now();
    for (;;) {
      const now = activity(await counted(false));
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= IDLE_MS) return { ms: Date.now() - t0 - IDLE_MS, settled: true };
      // Still busy (retries, a backlog): the counts so far are reported, marked as not settled.
      if (Date.now() - t0 > IDLE_TIMEOUT_MS) return { ms: Date.now() - t0, settled: false };
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Opens a live-stream watcher on the namespace; returns a counter of notices and a close(). */
  async function watch(ns) {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}api/live`, ["leadflare", `bearer.${ns.apiKey}`]);
    const watcher = { notices: 0, close: () => ws.close() };
    ws.addEventListener("message", (m) => {
      if (!String(m.data).includes('"subscribed"')) watcher.notices++;
    });
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", reject, { once: true });
    });
    return watcher;
  }

  /**
   * One workload: `leads` leads warmed up with one event each, then `events`
   * events (single: one per request; batch: 100 per request over 10 leads).
   */
  async function run({ label, ns, shape, leads, events, concurrency = 20, watcher = false }) {
    let seq = 0;
    const prefix = `${label}-${Date.now()}`;
    const track = (lead) => ({ type: "track", userId: `${prefix}-u${lead}`, event: "Viewed Pricing", messageId: `${prefix}-${seq++}`, properties: { path: "/pricing" } });
    const requestFor = (i, perRequest) =>
      perRequest === 1
        ? { route: "/v1/track", body: track(i % leads) }
        : { route: "/v1/batch", body: { batch: Array.from({ length: perRequest }, (_, k) => track((i * 10 + Math.floor(k / 10)) % leads)) } };
    const send = async (total, perRequest) => {
      let next = 0;
      const requests = Math.ceil(total / perRequest);
      let failed = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let i = next++; i < requests; i = next++) {
            const { route, body } = requestFor(i, perRequest);
            const res = await client.post(route, JSON.stringify(body), ns.ingestHeaders);
            if (res.status !== 200) failed++;
          }
        }),
      );
      if (failed) throw new Error(`${label}: ${failed} requests failed`);
      return requests;
    };
    const perRequest = shape === "single" ? 1 : 100;
    // Warm-up: every lead exists (identity resolved, object created), caches are warm.
    await send(leads, 1);
    await waitIdle();
    for (const k of Object.keys(fakes.byHost)) delete fakes.byHost[k];
    const live = watcher ? await watch(ns) : undefined;
    await counted(true);
    const cpu0 = await cpuMs(pid);
    const t0 = Date.now();
    const requests = await send(events, perRequest);
    const loadMs = Date.now() - t0;
    const cpuLoad = (await cpuMs(pid)) - cpu0;
    const { ms: settleMs, settled } = await waitIdle();
    if (!settled) console.error(`${label}: still busy ${Math.round(settleMs / 1000)} s after the load; counts so far`);
    const cpuAll = (await cpuMs(pid)) - cpu0;
    const counts = await counted(true);
    live?.close();
    const outsideEvents = { ...fakes.byHost };
    return { label, shape, leads, events, requests, loadMs, settleMs, settled, cpuMsInLoad: cpuLoad, cpuMsUntilIdle: cpuAll, liveNotices: live?.notices, outsideEvents, counts };
  }

  return {
    run,
    namespace,
    plain: { ingestHeaders, apiKey },
    fakes,
    async close() {
      await client.close();
      await mf.dispose();
      fakes.close();
    },
  };
}
