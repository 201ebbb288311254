// Benchmarks the leadflare ingest path on workerd (through Miniflare), next to
// two ceilings built with the same toolchain. See bench/README.md.
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { createClient, runLoad } from "./load.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const OUT_DIR = path.join(BENCH_DIR, "out");

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ADMIN_TOKEN = "bench-admin-token";
const USERS = 1000;
const BATCH_SIZE = 100;
const LEADS_PER_BATCH = 10;

const WORKERS = [
  { name: "noop", config: path.join(BENCH_DIR, "ceilings/noop/wrangler.toml"), durableObjects: false },
  { name: "bare-do", config: path.join(BENCH_DIR, "ceilings/bare-do/wrangler.toml") },
  { name: "leadflare", config: path.join(ROOT, "wrangler.toml"), setup: setupLeadflare },
];
const only = process.env.BENCH_WORKERS?.split(",").map((s) => s.trim());
const selected = only ? WORKERS.filter((w) => only.includes(w.name)) : WORKERS;

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

// ---- build and start ----------------------------------------------------

async function build(worker) {
  const outdir = path.join(OUT_DIR, "build", worker.name);
  await rm(outdir, { recursive: true, force: true });
  const wrangler = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
  try {
    await promisify(execFile)(
      process.execPath,
      [wrangler, "deploy", "--dry-run", "--outdir", outdir, "-c", worker.config],
      {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
        maxBuffer: 16 << 20,
      },
    );
  } catch (err) {
    const log = `${err.stdout ?? ""}${err.stderr ?? ""}`.replace(/\x1b\[[0-9;]*m/g, "").trim();
    throw new Error(`wrangler build failed:\n${log || err.message}`);
  }
  const toml = await readFile(worker.config, "utf8");
  const flags = toml.match(/^compatibility_flags\s*=\s*\[([^\]]*)\]/m)?.[1] ?? "";
  return {
    outdir,
    compatibilityDate: toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m)[1],
    compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]),
  };
}

// wrangler leaves non-JS imports (e.g. .sql files) as modules next to index.js.
const MODULE_TYPES = {
  ".js": "ESModule",
  ".mjs": "ESModule",
  ".cjs": "CommonJS",
  ".wasm": "CompiledWasm",
  ".bin": "Data",
  ".sql": "Text",
  ".txt": "Text",
  ".html": "Text",
};

async function start(worker, { outdir, compatibilityDate, compatibilityFlags }) {
  const files = (await readdir(outdir, { recursive: true })).filter((f) => MODULE_TYPES[path.extname(f)]);
  const modules = ["index.js", ...files.filter((f) => f !== "index.js")].map((f) => ({
    type: MODULE_TYPES[path.extname(f)],
    path: path.join(outdir, f),
  }));
  // This miniflare (5.x beta) wants a new options shape; it still converts the
  // v4 shape, which is much shorter to write.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules,
      modulesRoot: outdir,
      compatibilityDate,
      compatibilityFlags,
      durableObjects:
        worker.durableObjects === false ? {} : { LEAD: { className: "LeadObject", useSQLite: true } },
      d1Databases: ["DB"],
      bindings: { ADMIN_TOKEN },
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
      // Miniflare's own entry Worker (dev-only: pretty errors, cf object,
      // request logging) sits in front of the user Worker and capped the no-op
      // Worker at ~2.5k requests/s here; a direct workerd socket does ~12k.
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    }),
  );
  await mf.ready;
  return { mf, url: (await mf.unsafeGetDirectURL()).href };
}

// ---- leadflare setup: D1 migrations, then a namespace and a source -------

async function applyMigrations(mf) {
  const db = await mf.getD1Database("DB");
  const dir = path.join(ROOT, "migrations");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  for (const file of files) {
    const sql = await readFile(path.join(dir, file), "utf8");
    const statements = sql.includes("--> statement-breakpoint")
      ? sql.split("--> statement-breakpoint")
      : sql.split(/;\s*$/m);
    for (const statement of statements.map((s) => s.trim()).filter(Boolean)) {
      await db.prepare(statement).run();
    }
  }
}

async function setupLeadflare(url, mf) {
  await applyMigrations(mf);
  const client = createClient(url, 1);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  try {
    const ns = await client.post("/api/namespaces", JSON.stringify({ name: "bench" }), admin);
    if (ns.status !== 201) throw new Error(`POST /api/namespaces: ${ns.status} ${ns.text}`);
    const src = await client.post("/api/namespaces/bench/sources", JSON.stringify({ name: "bench" }), admin);
    if (src.status !== 201) throw new Error(`POST /api/namespaces/bench/sources: ${src.status} ${src.text}`);
    const { writeKey } = JSON.parse(src.text);
    if (!writeKey) throw new Error(`POST /api/namespaces/bench/sources: no writeKey in ${src.text}`);
    return { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}` };
  } finally {
    await client.close();
  }
}

// ---- main ---------------------------------------------------------------

const results = [];
const failures = [];
let current;
process.once("SIGINT", () => {
  Promise.resolve(current?.dispose()).finally(() => process.exit(130));
});

for (const worker of selected) {
  const log = (msg) => process.stderr.write(`[${worker.name}] ${msg}\n`);
  try {
    log("building");
    const built = await build(worker);
    log("starting");
    const { mf, url } = await start(worker, built);
    current = mf;
    const headers = worker.setup ? await worker.setup(url, mf) : {};
    const client = createClient(url, CONCURRENCY);
    for (const [workload, { warmupRequests, make }] of Object.entries(WORKLOADS)) {
      const load = { client, headers, concurrency: CONCURRENCY, makeRequest: make };
      log(`${workload}: warm-up ${WARMUP_SECONDS}s (at least ${warmupRequests} requests), run ${SECONDS}s`);
      const warm = await runLoad({ ...load, durationMs: WARMUP_SECONDS * 1000, minRequests: warmupRequests });
      if (warm.firstError) log(`${workload}: warm-up error: ${warm.firstError}`);
      const r = await runLoad({ ...load, durationMs: SECONDS * 1000 });
      if (r.firstError) log(`${workload}: first error: ${r.firstError}`);
      results.push({ worker: worker.name, workload, ...r });
    }
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
};

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
    `${cpus.length} cores (${cpus[0]?.model}), node ${process.version}\n`,
);
console.log(line(rows[0]));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
rows.slice(1).forEach((row) => console.log(line(row)));
console.log(`\nleadflare / bare-do, single requests/s: ${fmt(ratios.leadflareToBareDoSingleRequestsPerSec, 2)}`);
console.log(`leadflare / bare-do, batch events/s:    ${fmt(ratios.leadflareToBareDoBatchEventsPerSec, 2)}`);
for (const f of failures) console.log(`\n${f.worker} not run: ${f.error}`);

await mkdir(OUT_DIR, { recursive: true });
const report = {
  date: new Date().toISOString(),
  machine: { cores: cpus.length, cpu: cpus[0]?.model, node: process.version },
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
  failures,
};
await writeFile(path.join(OUT_DIR, "latest.json"), JSON.stringify(report, null, 2) + "\n");
if (failures.length) process.exitCode = 1;
