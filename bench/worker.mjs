// Build a Worker with `wrangler deploy --dry-run`, start it in Miniflare with
// the bindings its wrangler.toml declares (D1, the LEAD Durable Object, Queues),
// and set up leadflare through its admin API. Shared by run.mjs and rescore.mjs.
import { execFile } from "node:child_process";
import { access, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";
import { createClient } from "./load.mjs";

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(BENCH_DIR);
export const OUT_DIR = path.join(BENCH_DIR, "out");
export const ADMIN_TOKEN = "bench-admin-token";

const git = (...args) => promisify(execFile)("git", args, { cwd: ROOT, maxBuffer: 256 << 20, encoding: "buffer" });

/**
 * The leadflare sources to build: the working tree, or with BENCH_REF=<git
 * ref> (e.g. HEAD) that commit, exported with `git archive` to
 * bench/out/src/<commit>/ so that edits made while a run goes on don't leak
 * into it. `source` says which code the figures belong to.
 */
async function leadflareSource() {
  const ref = process.env.BENCH_REF;
  if (!ref) return { name: "leadflare", root: ROOT, config: path.join(ROOT, "wrangler.toml") };
  const commit = (await git("rev-parse", "--short", `${ref}^{commit}`)).stdout.toString().trim();
  const root = path.join(OUT_DIR, "src", commit);
  const ready = path.join(root, ".bench-complete");
  if (!(await access(ready).then(() => true, () => false))) {
    await rm(root, { recursive: true, force: true });
    await mkdir(root, { recursive: true });
    const tar = (await git("archive", "--format=tar", commit)).stdout;
    await new Promise((resolve, reject) => {
      const child = execFile("tar", ["-x", "-C", root], (err) => (err ? reject(err) : resolve()));
      child.stdin.end(tar);
    });
    await symlink(path.join(ROOT, "node_modules"), path.join(root, "node_modules"));
    await readFile(path.join(root, "wrangler.toml")); // fails loudly if the export is not a leadflare tree
    await writeFile(ready, "");
  }
  return { name: "leadflare", root, config: path.join(root, "wrangler.toml"), source: { commit, dirty: false, ref } };
}

export const LEADFLARE = await leadflareSource();

// ---- build --------------------------------------------------------------

export async function build(worker) {
  const outdir = path.join(OUT_DIR, "build", worker.name);
  await rm(outdir, { recursive: true, force: true });
  const wrangler = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
  try {
    await promisify(execFile)(
      process.execPath,
      [wrangler, "deploy", "--dry-run", "--outdir", outdir, "-c", worker.config],
      {
        cwd: worker.root ?? ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
        maxBuffer: 16 << 20,
      },
    );
  } catch (err) {
    const log = `${err.stdout ?? ""}${err.stderr ?? ""}`.replace(/\x1b\[[0-9;]*m/g, "").trim();
    throw new Error(`wrangler build failed:\n${log || err.message}`);
  }
  // wrangler's own parser, so the Queues below follow wrangler.toml exactly.
  const config = unstable_readConfig({ config: worker.config });
  return {
    outdir,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags ?? [],
    vars: config.vars ?? {},
    // Every Durable Object binding the wrangler.toml declares (all SQLite-backed here).
    durableObjects: Object.fromEntries(
      (config.durable_objects?.bindings ?? []).map((b) => [b.name, { className: b.class_name, useSQLite: true }]),
    ),
    // The event archive's bucket (Miniflare's R2, in memory).
    r2Buckets: (config.r2_buckets ?? []).map((b) => b.binding),
    ...queueOptions(config),
    source: worker.source ?? (await sourceVersion(worker.root ?? ROOT)),
  };
}

// Which code a figure belongs to: the commit, and whether the Worker's files
// differed from it when it was built.
async function sourceVersion(root) {
  const run = (...args) =>
    promisify(execFile)("git", args, { cwd: root }).then(
      ({ stdout }) => stdout.trim(),
      () => undefined,
    );
  const commit = await run("rev-parse", "--short", "HEAD");
  const changed = await run("status", "--porcelain", "--", "src", "durable", "migrations", "wrangler.toml", "package.json");
  return { commit, dirty: changed === undefined ? undefined : changed !== "" };
}

// wrangler.toml `[[queues.producers]]` / `[[queues.consumers]]` in Miniflare's
// v4 option shape (seconds for max_batch_timeout, as in wrangler.toml).
function queueOptions(config) {
  const queueProducers = {};
  for (const p of config.queues?.producers ?? []) {
    queueProducers[p.binding] = { queueName: p.queue, ...(p.delivery_delay !== undefined && { deliveryDelay: p.delivery_delay }) };
  }
  const queueConsumers = {};
  for (const c of config.queues?.consumers ?? []) {
    if (c.type === "http_pull") continue;
    queueConsumers[c.queue] = Object.fromEntries(
      Object.entries({
        maxBatchSize: c.max_batch_size,
        maxBatchTimeout: c.max_batch_timeout,
        maxRetries: c.max_retries,
        deadLetterQueue: c.dead_letter_queue,
        retryDelay: c.retry_delay,
      }).filter(([, v]) => v !== undefined),
    );
  }
  return { queueProducers, queueConsumers };
}

// ---- start --------------------------------------------------------------

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

export async function start(worker, { outdir, compatibilityDate, compatibilityFlags, vars, durableObjects, r2Buckets = [], queueProducers, queueConsumers }, { inspectorPort } = {}) {
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
      // BENCH_KEEP_OBJECTS=1: objects stay in memory between phases. Miniflare
      // evicts an idle object after 10 s, Cloudflare after 70–140 s, so with
      // the bench's idle waits every lead is opened again each phase.
      durableObjects:
        worker.durableObjects === false
          ? {}
          : Object.fromEntries(Object.entries(durableObjects).map(([name, o]) => [name, { ...o, unsafePreventEviction: process.env.BENCH_KEEP_OBJECTS === "1" }])),
      d1Databases: ["DB"],
      r2Buckets,
      queueProducers,
      queueConsumers,
      // BENCH_VARS (JSON) overrides wrangler.toml's vars, e.g. '{"ARCHIVE_EVENTS":"off"}'.
      bindings: { ...vars, ...JSON.parse(process.env.BENCH_VARS ?? "{}"), ADMIN_TOKEN, ...worker.bindings },
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
      // Miniflare's own entry Worker (dev-only: pretty errors, cf object,
      // request logging) sits in front of the user Worker and capped the no-op
      // Worker at ~2.5k requests/s here; a direct workerd socket does ~12k.
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      ...(inspectorPort !== undefined && { inspectorPort }),
    }),
  );
  await mf.ready;
  return { mf, url: (await mf.unsafeGetDirectURL()).href };
}

// ---- leadflare setup: D1 migrations, then a namespace, a source, an API key

export async function applyMigrations(mf, root = LEADFLARE.root) {
  const db = await mf.getD1Database("DB");
  const dir = path.join(root, "migrations");
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

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/**
 * Applies the migrations and creates namespace `name` with a source (and, if
 * asked, an API key). Returns the ingest headers (write key as HTTP Basic
 * user) and the API key.
 */
export async function setupLeadflare(url, mf, { name = "bench", apiKey = false, sourceRateLimit } = {}) {
  await applyMigrations(mf);
  const client = createClient(url, 1);
  const expect201 = async (route, body) => {
    const res = await client.post(route, JSON.stringify(body), adminHeaders);
    if (res.status !== 201) throw new Error(`POST ${route}: ${res.status} ${res.text}`);
    return JSON.parse(res.text);
  };
  try {
    await expect201("/api/namespaces", { name });
    const { writeKey } = await expect201(`/api/namespaces/${name}/sources`, { name: "bench" });
    if (!writeKey) throw new Error(`POST /api/namespaces/${name}/sources: no writeKey`);
    if (sourceRateLimit) {
      // A limit the load never reaches: the limiter runs on every request, and never refuses one.
      const listed = await client.get(`/api/namespaces/${name}/sources`, adminHeaders);
      if (listed.status === 200) {
        const [source] = JSON.parse(listed.text).sources;
        const res = await client.post(`/api/namespaces/${name}/sources/${source.id}`, JSON.stringify({ rateLimit: sourceRateLimit }), adminHeaders, "PATCH");
        if (res.status !== 200) throw new Error(`PATCH source rate limit: ${res.status} ${res.text}`);
      }
    }
    let key;
    if (apiKey) {
      ({ key } = await expect201(`/api/namespaces/${name}/api-keys`, { name: "bench" }));
      if (!key) throw new Error(`POST /api/namespaces/${name}/api-keys: no key`);
    }
    return {
      ingestHeaders: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}` },
      apiKey: key,
    };
  } finally {
    await client.close();
  }
}

// ---- small API helpers ----------------------------------------------------

export async function getJson(client, route, headers) {
  const res = await client.get(route, headers);
  if (res.status !== 200) throw new Error(`GET ${route}: ${res.status} ${res.text.slice(0, 300)}`);
  return JSON.parse(res.text);
}

/**
 * Calls `check()` every `intervalMs` until it returns something truthy, and
 * returns that with the milliseconds waited; throws after `timeoutMs`.
 * `check` may throw to report a transient failure: the last one is kept.
 */
export async function poll(check, { timeoutMs, intervalMs = 500, what = "condition" }) {
  const t0 = performance.now();
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return { value, ms: performance.now() - t0 };
    } catch (err) {
      lastError = err;
    }
    if (performance.now() - t0 >= timeoutMs) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
