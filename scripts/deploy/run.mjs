// `npm run deploy`: discover what the account holds, plan, then run the plan's
// steps in order. Every step is safe to repeat, and a rerun plans from what
// exists then, so a failed run is resumed by running it again.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapNamespace } from "./bootstrap.mjs";
import { readConfig } from "./config.mjs";
import { DeployStop, discover, whoami } from "./discover.mjs";
import { formatPlan, planDeploy } from "./plan.mjs";
import { GENERATORS } from "./secrets.mjs";
import { loadState, saveState, statePath } from "./state.mjs";
import { explainFailure, parseDeployUrl, runWrangler, streamWrangler } from "./wrangler.mjs";

export function parseArgs(argv) {
  const options = { dryRun: false, adopt: false, namespace: "default", url: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dry-run") options.dryRun = true;
    else if (arg === "--adopt") options.adopt = true;
    else if (arg === "--namespace") options.namespace = argv[++i];
    else if (arg === "--url") options.url = argv[++i];
    else if (arg === "--help" || arg === "-h") options.help = true;
    else throw new DeployStop(`unknown option ${arg}.`, USAGE);
  }
  if (!options.namespace || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(options.namespace)) throw new DeployStop("--namespace needs a name (lower-case letters, digits, dashes).", USAGE);
  return options;
}

export const USAGE = `npm run deploy [-- options]
  --dry-run          print the plan (every binding and step), change nothing
  --namespace NAME   the first namespace a new deployment gets (default: default)
  --adopt            use resources of the same names that already exist on the account
  --url URL          the Worker's URL, when wrangler does not print one (routes, custom domains)`;

/**
 * @param {{ projectRoot: string, argv: string[], env?: NodeJS.ProcessEnv, log?: (line: string) => void }} o
 * @returns {Promise<number>} the exit code
 */
export async function main(o) {
  const log = o.log ?? ((line) => console.log(line));
  try {
    await deploy({ ...o, log });
    return 0;
  } catch (error) {
    if (!(error instanceof DeployStop)) throw error;
    if (error.output) log(error.output.trim().replace(/^/gm, "     "));
    log(`\n✗ ${error.message}`);
    log(`  ${error.advice ?? explainFailure(error.output ?? "")}`);
    return 1;
  }
}

async function deploy({ projectRoot, argv, env = process.env, log }) {
  const options = parseArgs(argv);
  if (options.help) return log(USAGE);
  const ci = env.WORKERS_CI === "1" || (env.CI !== undefined && env.CI !== "" && env.CI !== "false");
  const config = readConfig(join(projectRoot, "wrangler.toml"));
  const run = (args) => runWrangler(args, { cwd: projectRoot, env });
  const stream = (args) => streamWrangler(args, { cwd: projectRoot, env });

  let identity;
  try {
    identity = whoami(run, env);
  } catch (error) {
    // Workers Builds' token may not read user details; it always names the account.
    if (!(ci && error instanceof DeployStop && env.CLOUDFLARE_ACCOUNT_ID)) throw error;
    identity = { account: { id: env.CLOUDFLARE_ACCOUNT_ID, name: env.CLOUDFLARE_ACCOUNT_ID } };
  }
  log(`Cloudflare account: ${identity.account.name} (${identity.account.id})${identity.email ? `, as ${identity.email}` : ""}`);
  const path = statePath(projectRoot, identity.account.id, config.worker, env);
  const state = loadState(path);
  const save = () => {
    if (!ci) saveState(path, state);
  };

  let existing;
  try {
    existing = discover(run, config);
  } catch (error) {
    if (!(ci && error instanceof DeployStop)) throw error;
    // Workers Builds' token may not list account resources; the Deploy button provisioned them already.
    log(`! could not list the account's resources (${error.message}); going on with migrations and deploy`);
    existing = { worker: { exists: true, secrets: ["ADMIN_TOKEN", "SECRETS_KEY"] }, queues: config.queues.map((q) => q.name), d1: config.d1.map((d) => d.name), r2: config.r2.map((b) => b.bucket) };
  }
  const plan = planDeploy(config, existing, state, { ci, adopt: options.adopt, namespace: options.namespace });
  log(formatPlan(plan));
  log("");
  if (plan.blockers.length > 0) throw new DeployStop("nothing was changed: the plan above cannot go ahead.", "Resolve the ✗ items above, then rerun `npm run deploy`.");
  if (options.dryRun) {
    log("Dry run: nothing was changed. `npm run deploy` runs these steps.");
    return;
  }

  let url = options.url;
  for (const [i, step] of plan.steps.entries()) {
    log(`→ ${i + 1}/${plan.steps.length} ${step.label}`);
    if (step.kind === "create-queue" || step.kind === "create-d1" || step.kind === "create-r2") {
      const r = run(step.args);
      // Another run (or a list that missed a page) may have made it meanwhile: it exists, which is what this step wants.
      if (!r.ok && !/already exists|already been taken|already taken/i.test(r.output)) throw new DeployStop(`${step.label} failed.`, explainFailure(r.output), r.output);
      const list = { "create-queue": "queues", "create-d1": "d1", "create-r2": "r2" }[step.kind];
      if (r.ok && !state.created[list].includes(step.name)) state.created[list].push(step.name);
      save();
    } else if (step.kind === "migrate") {
      const r = await stream(step.args);
      if (!r.ok) throw new DeployStop(`${step.label} failed; the new code was not deployed.`, explainFailure(r.output));
    } else if (step.kind === "deploy") {
      url = (await deployWorker({ step, state, save, stream, ci, log })) ?? url;
    } else if (step.kind === "bootstrap") {
      await bootstrap({ step, state, save, url, env, log });
    }
    log(`  ✓ done`);
  }

  log(`\nleadflare is deployed${url ? ` at ${url}` : ""}.`);
  if (url) log(`  console   ${url}/app/`);
  // A secret generated for an existing deployment (no first namespace to print it with): shown once here.
  for (const [name, value] of Object.entries(state.pendingSecrets)) log(`  ${name} was not set; it is now ${value}   (shown once: keep a copy)`);
  if (Object.keys(state.pendingSecrets).length > 0) {
    state.pendingSecrets = {};
    save();
  }
  if (ci && plan.steps.some((s) => s.kind === "deploy" && s.secrets.length > 0)) {
    log(`  ${plan.steps.find((s) => s.kind === "deploy").secrets.join(" and ")} were generated and are not shown in build logs: set your own with \`npx wrangler secret put ADMIN_TOKEN\` to sign in.`);
  }
}

async function deployWorker({ step, state, save, stream, ci, log }) {
  const args = [...step.args];
  let dir;
  if (step.secrets.length > 0) {
    const values = {};
    for (const name of step.secrets) values[name] = state.pendingSecrets[name] ?? GENERATORS[name]();
    // Kept (0600, gitignored) until shown: a run that fails after the upload must still know the admin token.
    if (!ci) {
      Object.assign(state.pendingSecrets, values);
      if (step.secrets.includes("ADMIN_TOKEN")) state.bootstrap = { ...state.bootstrap, pending: true };
      save();
    }
    dir = mkdtempSync(join(tmpdir(), "leadflare-deploy-"));
    const file = join(dir, "secrets.json");
    writeFileSync(file, JSON.stringify(values), { mode: 0o600 });
    args.push("--secrets-file", file);
  }
  try {
    const r = await stream(args);
    if (!r.ok) throw new DeployStop(`${step.label} failed.`, explainFailure(r.output));
    const url = parseDeployUrl(r.output);
    if (!url) log("  ! wrangler printed no URL for the Worker (routes or custom domains only?): pass --url to name it.");
    return url;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function bootstrap({ step, state, save, url, env, log }) {
  const adminToken = state.pendingSecrets.ADMIN_TOKEN ?? env.ADMIN_TOKEN;
  if (!adminToken) throw new DeployStop("the first namespace needs the admin token, which this checkout no longer has.", "Set ADMIN_TOKEN in the environment to the Worker's admin token and rerun, or create the namespace by hand (README, Deploy).");
  if (!url) throw new DeployStop("the Worker's URL is unknown, so its first namespace cannot be created.", "Rerun with `npm run deploy -- --url https://<your Worker's host>`.");
  let progress;
  try {
    progress = await bootstrapNamespace({
      url,
      adminToken,
      namespace: step.name,
      progress: state.bootstrap,
      save: (p) => {
        state.bootstrap = { ...p, pending: true };
        save();
      },
      attempts: Number(env.LEADFLARE_DEPLOY_ATTEMPTS ?? 12),
    });
  } catch (error) {
    throw new DeployStop(`creating the first namespace at ${url} failed: ${error.message}.`, "The Worker is deployed; rerun `npm run deploy` to finish (it ships the code again, then carries on from the last key made).");
  }
  log("");
  log("  Keep these now: they are shown once (the Worker stores only hashes; the secrets cannot be read back).");
  log("");
  log(`  Worker       ${url}`);
  log(`  console      ${url}/app/   (sign in with the API key, or the admin token and namespace ${step.name})`);
  log(`  namespace    ${step.name}`);
  log(`  write key    ${progress.writeKey}   (Segment clients: writeKey; or the HTTP Basic user)`);
  log(`  API key      ${progress.apiKey}   (Authorization: Bearer … on /api)`);
  log(`  admin token  ${adminToken}   (Bearer … on /api/namespaces; the ADMIN_TOKEN secret)`);
  if (state.pendingSecrets.SECRETS_KEY) log(`  secrets key  ${state.pendingSecrets.SECRETS_KEY}   (the SECRETS_KEY secret: keep a copy to move the data elsewhere)`);
  log("");
  log(`  try: curl -u ${progress.writeKey}: ${url}/v1/track -d '{"userId":"u1","event":"Signup"}'`);
  log(`       curl -H 'Authorization: Bearer ${progress.apiKey}' '${url}/api/leads/lookup?userId=u1'`);
  state.pendingSecrets = {};
  state.bootstrap = { done: true, namespace: step.name };
  save();
}
