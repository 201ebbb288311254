// Running wrangler, and reading what it prints. The parsers and the failure
// explanations are pure; `runWrangler` is the only I/O.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The pinned wrangler (package.json), unless LEADFLARE_WRANGLER names another executable (the tests' fake). */
export function wranglerCommand(env = process.env) {
  if (env.LEADFLARE_WRANGLER) return { command: env.LEADFLARE_WRANGLER, prefix: [] };
  const bin = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
  return { command: process.execPath, prefix: [bin] };
}

/**
 * Runs `wrangler <args>` in the project, stdin closed (so wrangler never prompts
 * and never writes provisioned ids back into wrangler.toml).
 * @returns {{ ok: boolean, status: number | null, stdout: string, stderr: string, output: string }}
 */
export function runWrangler(args, { cwd, env = process.env } = {}) {
  const { command, prefix } = wranglerCommand(env);
  const result = spawnSync(command, [...prefix, ...args], {
    cwd,
    env: { ...env, WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1", FORCE_COLOR: "0" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  const stdout = result.stdout ?? "";
  const stderr = result.stderr ?? (result.error ? String(result.error) : "");
  return { ok: result.status === 0, status: result.status, stdout, stderr, output: `${stdout}\n${stderr}` };
}

/** Like runWrangler, but wrangler's output is shown (indented) as it comes: uploads and migrations take a while. */
export function streamWrangler(args, { cwd, env = process.env, write = (text) => process.stdout.write(text) } = {}) {
  const { command, prefix } = wranglerCommand(env);
  return new Promise((resolve) => {
    const child = spawn(command, [...prefix, ...args], {
      cwd,
      env: { ...env, WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      write(indent(String(chunk)));
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      write(indent(String(chunk)));
    });
    child.on("error", (error) => (stderr += String(error)));
    child.on("close", (status) => resolve({ ok: status === 0, status, stdout, stderr, output: `${stdout}\n${stderr}` }));
  });
}

const indent = (text) => text.replace(/^(?=.)/gm, "     ");

/** The JSON document in a command's stdout (wrangler may print a banner or warnings around it). */
export function parseJsonOutput(stdout) {
  const start = stdout.search(/^\s*[[{]/m);
  if (start < 0) throw new Error(`expected JSON from wrangler, got: ${stdout.slice(0, 200)}`);
  return JSON.parse(stdout.slice(start));
}

/** Queue names in `wrangler queues list` (a table: │ id │ name │ created_on │ …). */
export function parseQueueList(stdout) {
  const names = [];
  for (const line of stdout.split("\n")) {
    const cells = line.split(/[│|]/).map((c) => c.trim()).filter((c) => c.length > 0);
    // Rows are: id (32 hex), name, …
    if (cells.length >= 2 && /^[0-9a-f]{32}$/.test(cells[0])) names.push(cells[1]);
  }
  return names;
}

/** Bucket names in `wrangler r2 bucket list` (blocks of `name: …` / `creation_date: …`). */
export function parseBucketList(stdout) {
  return [...stdout.matchAll(/^name:\s+(\S+)\s*$/gm)].map((m) => m[1]);
}

/**
 * The Worker's URL in `wrangler deploy`'s output: its workers.dev URL, else the
 * first URL listed under "Deployed … triggers". Routes and custom domains are
 * printed without a scheme; for those, `--url` names the Worker.
 */
export function parseDeployUrl(output) {
  const dev = /https:\/\/[A-Za-z0-9.-]+\.workers\.dev\b/.exec(output);
  if (dev) return dev[0];
  return /^\s+(https?:\/\/[^\s/]+)\/?\s*$/m.exec(output)?.[1];
}

/** What to do about a failed wrangler call, from what it printed. */
export function explainFailure(output) {
  const o = output.toLowerCase();
  if (o.includes("not authenticated") || o.includes("wrangler login") || o.includes("authentication error") || o.includes("[code: 10000]") || o.includes("loggedin\": false")) {
    return "wrangler is not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID), then rerun `npm run deploy`.";
  }
  if (o.includes("more than one account")) {
    return "this login can reach several Cloudflare accounts: set CLOUDFLARE_ACCOUNT_ID to the one to deploy to (`npx wrangler whoami` lists them), then rerun.";
  }
  if (o.includes("already has a consumer") || o.includes("already taken") || o.includes("already exists") || o.includes("[code: 11009]") || o.includes("[code: 10004]")) {
    return "a name in wrangler.toml is already used on this account by something else (a queue with another Worker as its consumer, a bucket or database of the same name). Rename it in wrangler.toml or remove the other resource, then rerun `npm run deploy`.";
  }
  if (o.includes("enable r2") || o.includes("[code: 10042]")) {
    return "R2 is not enabled on this account yet: enable it once in the dashboard (R2 Object Storage), then rerun `npm run deploy`.";
  }
  if (o.includes("paid plan") || o.includes("workers paid")) {
    return "this account's plan does not include a product leadflare uses (see wrangler's message above): change the plan in the dashboard (Workers & Pages → Plans), then rerun `npm run deploy`.";
  }
  if (o.includes("workers.dev subdomain") || o.includes("workers.dev` subdomain") || o.includes("register a subdomain")) {
    return "the account has no workers.dev subdomain yet: open the dashboard's Workers & Pages once (it offers one), then rerun `npm run deploy`.";
  }
  if (o.includes("fetch failed") || o.includes("enotfound") || o.includes("eai_again") || o.includes("econnrefused") || o.includes("etimedout")) {
    return "Cloudflare's API could not be reached (no network?). Nothing after the last ✓ step happened; rerun `npm run deploy` when online.";
  }
  if (o.includes("permission") || o.includes("[code: 10001]") || o.includes("unauthorized")) {
    return "the API token lacks a permission this step needs (Workers Scripts, D1, Queues, R2 and Workers KV edit): make a token from the \"Edit Cloudflare Workers\" template plus D1 and Queues edit, then rerun.";
  }
  return "see wrangler's output above; fix the cause and rerun `npm run deploy` (the steps already done are skipped).";
}
