// Benchmarks the leadflare ingest path against workerd (through Miniflare),
// next to two ceilings built with the same toolchain. See bench/README.md.
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
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ADMIN_TOKEN = "bench-admin-token";
const BATCH_SIZE = 100;
const LEADS_PER_BATCH = 10;
const USERS = 1000;

const WORKERS = [
  { name: "noop", config: path.join(BENCH_DIR, "ceilings/noop/wrangler.toml") },
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

const WORKLOADS = {
  single() {
    const i = seq;
    return { path: "/v1/track", body: JSON.stringify(track(`u${i % USERS}`)), events: 1 };
  },
  batch() {
    const first = (batches++ * LEADS_PER_BATCH) % USERS;
    const batch = [];
    for (let j = 0; j < BATCH_SIZE; j++) {
      const user = `u${(first + (j % LEADS_PER_BATCH)) % USERS}`;
      batch.push({ type: "track", ...track(user) });
    }
    return {
      path: "/v1/batch",
      body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
      events: BATCH_SIZE,
    };
  },
};

// ---- build and start ----------------------------------------------------

async function build(worker) {
  const outdir = path.join(OUT_DIR, "build", worker.name);
  await rm(outdir, { recursive: true, force: true });
  try {
    await promisify(execFile)(
      "npx",
      ["wrangler", "deploy", "--dry-run", "--outdir", outdir, "-c", worker.config],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, maxBuffer: 16 << 20 },
    );
  } catch (err) {
    const log = `${err.stdout ?? ""}${err.stderr ?? ""}`.split("\n").filter((l) => !/^npm warn/.test(l));
    throw new Error(`wrangler build failed:\n${log.join("\n").trim() || err.message}`);
  }
  const toml = await readFile(worker.config, "utf8");
  const compatibilityDate = toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m)?.[1] ?? "2026-11-01";
  const flags = toml.match(/^compatibility_flags\s*=\s*\[([^\]]*)\]/m)?.[1];
  const compatibilityFlags = flags ? [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
  return { outdir, compatibilityDate, compatibilityFlags };
}

// wrangler leaves non-JS imports (e.g. drizzle's .sql migrations) as files next to index.js.
const MODULE_TYPES = { ".js": "ESModule", ".mjs": "ESModule", ".cjs": "CommonJS", ".wasm": "CompiledWasm", ".bin": "Data", ".sql": "Text", ".txt": "Text", ".html": "Text" };

async function start({ outdir, compatibilityDate, compatibilityFlags }) {
  const files = (await readdir(outdir, { recursive: true })).filter((f) => MODULE_TYPES[path.extname(f)]);
  const modules = ["index.js", ...files.filter((f) => f !== "index.js")].map((f) => ({
    type: MODULE_TYPES[path.extname(f)],
    path: path.join(outdir, f),
  }));
  // This miniflare (5.x beta) takes a new options shape; it still converts the
  // v4 one, which is shorter to write.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules,
      modulesRoot: outdir,
      compatibilityDate,
      compatibilityFlags,
      durableObjects: { LEAD: { className: "LeadObject", useSQLite: true } },
      d1Databases: ["DB"],
      bindings: { ADMIN_TOKEN },
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
    }),
  );
  const url = await mf.ready;
  return { mf, url: url.href };
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
    return { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}` };
  } finally {
    client.close();
  }
}

// ---- main ---------------------------------------------------------------

const results = [];
const failures = [];
let interrupted = false;
let current;
process.once("SIGINT", () => {
  interrupted = true;
  current?.dispose().finally(() => process.exit(130));
});

for (const worker of selected) {
  if (interrupted) break;
  process.stderr.write(`[${worker.name}] building\n`);
  let mf;
  try {
    const built = await build(worker);
    process.stderr.write(`[${worker.name}] starting\n`);
    const started = await start(built);
    mf = current = started.mf;
    const headers = worker.setup ? await worker.setup(started.url, mf) : {};
    const client = createClient(started.url, CONCURRENCY);
    for (const [workload, makeRequest] of Object.entries(WORKLOADS)) {
      const load = { client, headers, concurrency: CONCURRENCY, makeRequest };
      process.stderr.write(`[${worker.name}] ${workload}: warm-up ${WARMUP_SECONDS}s, run ${SECONDS}s\n`);
      await runLoad({ ...load, durationMs: WARMUP_SECONDS * 1000 });
      const r = await runLoad({ ...load, durationMs: SECONDS * 1000 });
      if (r.firstError) process.stderr.write(`[${worker.name}] ${workload}: first error: ${r.firstError}\n`);
      results.push({ worker: worker.name, workload, ...r });
    }
    client.close();
  } catch (err) {
    process.stderr.write(`[${worker.name}] skipped: ${err.message}\n`);
    failures.push({ worker: worker.name, error: err.message });
  } finally {
    await mf?.dispose();
    current = undefined;
  }
}

const find = (worker, workload) => results.find((r) => r.worker === worker && r.workload === workload);
const real = find("leadflare", "single");
const bare = find("bare-do", "single");
const ratio = real && bare ? real.requestsPerSec / bare.requestsPerSec : null;

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
console.log(
  `\nleadflare bench: ${SECONDS}s per phase, concurrency ${CONCURRENCY}, ${os.cpus().length} cores, node ${process.version}\n`,
);
console.log(line(rows[0]));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
rows.slice(1).forEach((row) => console.log(line(row)));
console.log(`\nleadflare/bare-do single-event requests/s: ${ratio === null ? "-" : ratio.toFixed(2)}`);
for (const f of failures) console.log(`\n${f.worker} not run: ${f.error}`);

await mkdir(OUT_DIR, { recursive: true });
const report = {
  date: new Date().toISOString(),
  machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
  settings: { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, concurrency: CONCURRENCY, batchSize: BATCH_SIZE, leadsPerBatch: LEADS_PER_BATCH },
  results,
  ratios: { leadflareToBareDoSingleRequests: ratio },
  failures,
};
await writeFile(path.join(OUT_DIR, "latest.json"), JSON.stringify(report, null, 2) + "\n");
if (failures.length) process.exitCode = 1;
