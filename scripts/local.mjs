// Local development state: D1 migrations, the seeded `default` namespace, and
// a `wrangler dev` process. Shared by `npm start` and the end-to-end tests.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const wranglerBin = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
export const projectRoot = fileURLToPath(new URL("..", import.meta.url));

/** Local-only defaults, documented in README.md; the admin token comes from .dev.vars. */
export const DEV = {
  namespace: "default",
  writeKey: "dev-write-key",
  apiKey: "dev-api-key",
  adminToken: "dev-admin-token",
  // The lead-service API's organisation: X-API-Key, X-Org-Id, X-App-Id.
  org: { key: "dev-org-key", clerkOrgId: "org_dev", appId: "dev-app" },
};

// CLOUDFLARE_CF_FETCH_ENABLED=false: miniflare would fetch a sample `request.cf`
// from workers.cloudflare.com at start-up (leadflare reads none of it), which
// offline printed a DNS stack trace (getaddrinfo ENOTFOUND) and waited 3 s.
const quietEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1", FORCE_COLOR: "0", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

function wrangler(args, persistTo) {
  const persist = persistTo ? ["--persist-to", persistTo] : [];
  const result = spawnSync(process.execPath, [wranglerBin, ...args, ...persist], {
    cwd: projectRoot,
    env: quietEnv,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/** Applies D1 migrations to the local database and seeds the development namespace (idempotent). */
export function prepareLocalState(persistTo) {
  wrangler(["d1", "migrations", "apply", "DB", "--local"], persistTo);
  const now = Date.now();
  const seed = [
    `INSERT OR IGNORE INTO namespaces (id, name, created_at) VALUES ('dev-namespace', '${DEV.namespace}', ${now})`,
    `INSERT OR IGNORE INTO sources (id, namespace_id, name, write_key_hash, created_at)
       SELECT 'dev-source', id, 'development', '${sha256(DEV.writeKey)}', ${now} FROM namespaces WHERE name = '${DEV.namespace}'`,
    `INSERT OR IGNORE INTO api_keys (id, namespace_id, name, key_hash, key_prefix, created_at)
       SELECT 'dev-api-key', id, 'development', '${sha256(DEV.apiKey)}', 'dev-api', ${now} FROM namespaces WHERE name = '${DEV.namespace}'`,
    `INSERT OR IGNORE INTO orgs (id, namespace_id, clerk_org_id, app_id, key_hash, key_prefix, created_at)
       SELECT 'dev-org', id, '${DEV.org.clerkOrgId}', '${DEV.org.appId}', '${sha256(DEV.org.key)}', 'dev-org', ${now} FROM namespaces WHERE name = '${DEV.namespace}'`,
  ].join(";\n");
  wrangler(["d1", "execute", "DB", "--local", "--command", seed], persistTo);
}

/**
 * Starts `wrangler dev`; resolves once /health answers. Several servers
 * starting at once (the e2e and browser tests) can race for workerd's
 * internal sockets ("Address already in use"), and on a busy machine the
 * bundler inside wrangler has crashed while they all bundled (a Go panic
 * from esbuild, two full runs in about ten): such a start is tried again.
 */
export async function startDev(options = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevOnce(options);
    } catch (error) {
      const retryable = ["Address already in use", "github.com/evanw/esbuild"].some((sign) => String(error).includes(sign));
      if (attempt >= 4 || !retryable) throw error;
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
    }
  }
}

/**
 * `logLevel` is wrangler's: at "info" it prints a line per request. Under
 * load that measured up to a third more server CPU per event (bench:dev; on
 * a quiet machine the two were within noise), so `npm start` runs at "warn"
 * unless LOG_LEVEL says otherwise.
 */
async function startDevOnce({ port = 8787, persistTo, stdio = "inherit", logLevel = "warn", extraArgs = [] }) {
  const persist = persistTo ? ["--persist-to", persistTo] : [];
  const child = spawn(
    process.execPath,
    [wranglerBin, "dev", "--ip", "127.0.0.1", "--port", String(port), "--test-scheduled", "--log-level", logLevel, ...persist, ...extraArgs],
    { cwd: projectRoot, env: quietEnv, stdio: stdio === "ignore" ? ["ignore", "ignore", "pipe"] : stdio, detached: process.platform !== "win32" },
  );
  // Keep the start and the end of stderr, so a start-up failure says why even when output is hidden.
  let errorHead = "";
  let errorTail = "";
  child.stderr?.on("data", (chunk) => {
    if (errorHead.length < 1000) errorHead = (errorHead + chunk).slice(0, 1000);
    errorTail = (errorTail + chunk).slice(-2000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}: ${errorHead}${errorHead.length < 1000 ? "" : "\n…\n" + errorTail}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return { url, child, stop: () => stopProcess(child) };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  stopProcess(child);
  throw new Error("wrangler dev did not answer /health within 60 s");
}

function stopProcess(child) {
  if (child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}
