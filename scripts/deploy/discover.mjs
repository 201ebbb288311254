// What the account holds now, asked of wrangler: the login, the Worker and
// its secret names, queues, D1 databases and R2 buckets.
import { parseBucketList, parseJsonOutput, parseQueueList, runWrangler } from "./wrangler.mjs";

export class DeployStop extends Error {
  name = "DeployStop";
  /** @param {string} message what happened @param {string} advice what to do */
  constructor(message, advice, output = "") {
    super(message);
    this.advice = advice;
    this.output = output;
  }
}

/** The logged-in identity, or a DeployStop that says how to log in or pick an account. */
export function whoami(run, env = process.env) {
  const r = run(["whoami", "--json"]);
  let info;
  try {
    info = parseJsonOutput(r.stdout);
  } catch {
    info = { loggedIn: false };
  }
  if (!r.ok || !info.loggedIn) {
    throw new DeployStop(
      "wrangler is not logged in to Cloudflare.",
      "Run `npx wrangler login` (a browser opens), or set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID) for a token; then rerun `npm run deploy`.",
      r.output,
    );
  }
  const accounts = info.accounts ?? [];
  const chosen = env.CLOUDFLARE_ACCOUNT_ID;
  if (!chosen && accounts.length > 1) {
    throw new DeployStop(
      `this login reaches ${accounts.length} Cloudflare accounts: ${accounts.map((a) => `${a.name} (${a.id})`).join(", ")}.`,
      "Set CLOUDFLARE_ACCOUNT_ID to the one to deploy to, e.g. `CLOUDFLARE_ACCOUNT_ID=<id> npm run deploy`.",
    );
  }
  const account = chosen ? (accounts.find((a) => a.id === chosen) ?? { id: chosen, name: chosen }) : accounts[0];
  if (!account) {
    throw new DeployStop("this login lists no Cloudflare account.", "Set CLOUDFLARE_ACCOUNT_ID to the account to deploy to, then rerun.");
  }
  return { email: info.email, account };
}

function must(r, what) {
  if (!r.ok) throw new DeployStop(`could not ${what}.`, undefined, r.output);
  return r;
}

/** @returns {{ worker: { exists: boolean, secrets: string[] }, queues: string[], d1: string[], r2: string[] }} */
export function discover(run, config) {
  const secrets = run(["secret", "list", "--format", "json"]);
  let worker;
  if (secrets.ok) {
    worker = { exists: true, secrets: parseJsonOutput(secrets.stdout).map((s) => s.name) };
  } else if (/does not exist|not found|\b10007\b/i.test(secrets.output)) {
    worker = { exists: false, secrets: [] };
  } else {
    must(secrets, `list the secrets of the Worker ${config.worker}`);
  }

  const queues = new Set();
  for (let page = 1; page <= 50; page++) {
    const names = parseQueueList(must(run(["queues", "list", "--page", String(page)]), "list the account's queues").stdout);
    const before = queues.size;
    for (const n of names) queues.add(n);
    if (names.length === 0 || queues.size === before) break;
  }
  const d1 = parseJsonOutput(must(run(["d1", "list", "--json"]), "list the account's D1 databases").stdout).map((db) => db.name);
  const r2 = config.r2.length > 0 ? parseBucketList(must(run(["r2", "bucket", "list"]), "list the account's R2 buckets").stdout) : [];
  return { worker, queues: [...queues], d1, r2 };
}
