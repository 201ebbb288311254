// The deploy plan: what `npm run deploy` will do, as a pure function of
// wrangler.toml (describeConfig) and what the account already holds
// (discover.mjs). The runner (run.mjs) executes the steps in order; a rerun
// discovers again, so whatever a failed run finished is not in the next plan.

/** Secrets the Worker cannot run without; generated when absent, never overwritten. */
export const REQUIRED_SECRETS = ["ADMIN_TOKEN", "SECRETS_KEY"];
/** Secrets a deployment may add later (enrichment providers); never set by deploy. */
export const OPTIONAL_SECRETS = ["LLM_API_KEY", "HUNTER_API_KEY", "APOLLO_API_KEY"];

/**
 * @param {ReturnType<import("./config.mjs").describeConfig>} config
 * @param {{ worker: { exists: boolean, secrets: string[] }, queues: string[], d1: string[], r2: string[] }} existing
 * @param {{ created?: { queues?: string[], d1?: string[], r2?: string[] }, bootstrap?: { pending?: boolean, done?: boolean } }} state what earlier runs from here did
 * @param {{ ci?: boolean, adopt?: boolean, namespace?: string }} options
 */
export function planDeploy(config, existing, state = {}, options = {}) {
  const steps = [];
  const bindings = [];
  const blockers = [];
  const created = { queues: state.created?.queues ?? [], d1: state.created?.d1 ?? [], r2: state.created?.r2 ?? [] };

  for (const kind of config.unknown) {
    blockers.push(
      `wrangler.toml has \`${kind}\`, which npm run deploy does not know how to create or check: ` +
        "add it to scripts/deploy/config.mjs and plan.mjs (and its test) before deploying",
    );
  }

  // A Worker of this name that holds leadflare's secrets is a leadflare deployment: its resources are its own.
  const ours = existing.worker.exists && REQUIRED_SECRETS.some((s) => existing.worker.secrets.includes(s));
  const trusted = ours || options.adopt || options.ci;
  if (existing.worker.exists && !ours && !options.adopt && !options.ci) {
    blockers.push(
      `a Worker named "${config.worker}" already exists on this account and holds none of leadflare's secrets (${REQUIRED_SECRETS.join(", ")}): ` +
        `deploying would replace it. Change \`name\` in wrangler.toml, or rerun with --adopt if that Worker is a leadflare deployment.`,
    );
  }
  const taken = (what, name, mine) => {
    if (trusted || mine.includes(name)) return;
    blockers.push(
      `${what} "${name}" already exists on this account, but no leadflare Worker uses it and no earlier \`npm run deploy\` from here created it. ` +
        `Rename it in wrangler.toml, delete it (\`wrangler ${what === "queue" ? "queues delete" : what === "D1 database" ? "d1 delete" : "r2 bucket delete"} ${name}\`), ` +
        "or rerun with --adopt to use it as it is.",
    );
  };

  for (const q of config.queues) {
    const names = q.bindings.length > 0 ? q.bindings : [q.name];
    if (existing.queues.includes(q.name)) {
      taken("queue", q.name, created.queues);
      for (const b of names) bindings.push({ binding: b, kind: "queue", resource: q.name, action: "exists" });
    } else {
      steps.push({ kind: "create-queue", name: q.name, args: ["queues", "create", q.name], label: `create queue ${q.name} (${q.roles.join(", ")})` });
      for (const b of names) bindings.push({ binding: b, kind: "queue", resource: q.name, action: "create" });
    }
  }

  for (const db of config.d1) {
    // An id in wrangler.toml names a database that exists; otherwise wrangler finds it by name.
    if (db.id || existing.d1.includes(db.name)) {
      if (!db.id) taken("D1 database", db.name, created.d1);
      bindings.push({ binding: db.binding, kind: "d1", resource: db.name, action: "exists" });
    } else {
      steps.push({ kind: "create-d1", name: db.name, args: ["d1", "create", db.name], label: `create D1 database ${db.name}` });
      bindings.push({ binding: db.binding, kind: "d1", resource: db.name, action: "create" });
    }
  }

  for (const bucket of config.r2) {
    if (existing.r2.includes(bucket.bucket)) {
      taken("R2 bucket", bucket.bucket, created.r2);
      bindings.push({ binding: bucket.binding, kind: "r2", resource: bucket.bucket, action: "exists" });
    } else {
      steps.push({ kind: "create-r2", name: bucket.bucket, args: ["r2", "bucket", "create", bucket.bucket], label: `create R2 bucket ${bucket.bucket}` });
      bindings.push({ binding: bucket.binding, kind: "r2", resource: bucket.bucket, action: "create" });
    }
  }

  // Migrations before the code: the new code may read columns only they add. Applying is idempotent.
  for (const db of config.d1) {
    steps.push({
      kind: "migrate",
      name: db.binding,
      args: ["d1", "migrations", "apply", db.binding, "--remote"],
      label: `apply D1 migrations (${db.migrationsDir}/) to ${db.name}, before the new code goes live`,
    });
  }

  const missingSecrets = REQUIRED_SECRETS.filter((s) => !existing.worker.secrets.includes(s));
  for (const d of config.durableObjects) bindings.push({ binding: d.binding, kind: "durable-object", resource: d.className, action: "deploy" });
  if (config.assets?.binding) bindings.push({ binding: config.assets.binding, kind: "assets", resource: config.assets.directory, action: "deploy" });
  for (const h of config.hyperdrive) {
    if (h.id) bindings.push({ binding: h.binding, kind: "hyperdrive", resource: h.id, action: "exists" });
    else blockers.push(`the Hyperdrive binding ${h.binding} has no id: create it with \`npx wrangler hyperdrive create <name> --connection-string=…\` (README, Postgres setup) and put the id it prints in wrangler.toml`);
  }
  for (const v of config.vars) bindings.push({ binding: v, kind: "var", resource: "wrangler.toml [vars]", action: "deploy" });
  for (const s of REQUIRED_SECRETS) bindings.push({ binding: s, kind: "secret", resource: "wrangler secret", action: missingSecrets.includes(s) ? "generate" : "exists" });
  for (const s of OPTIONAL_SECRETS) {
    bindings.push({ binding: s, kind: "secret", resource: "wrangler secret", action: existing.worker.secrets.includes(s) ? "exists" : "optional" });
  }

  steps.push({
    kind: "deploy",
    name: config.worker,
    secrets: missingSecrets,
    args: ["deploy"],
    label:
      `deploy the Worker ${config.worker} (Durable Objects ${config.durableObjects.map((d) => d.binding).join(", ")}, static assets, cron, queue consumers)` +
      (missingSecrets.length > 0 ? ` with new secrets ${missingSecrets.join(", ")} (generated here, set with the upload)` : ""),
  });

  // The first namespace and its keys need the admin token, so only a deploy that made it (or a rerun of one) creates them.
  const bootstrapPending = !state.bootstrap?.done && (state.bootstrap?.pending || missingSecrets.includes("ADMIN_TOKEN"));
  if (bootstrapPending && !options.ci) {
    const namespace = options.namespace ?? "default";
    steps.push({ kind: "bootstrap", name: namespace, label: `create namespace ${namespace}, a write key and an API key through the Worker's admin API` });
  }

  return { worker: config.worker, steps, bindings, blockers };
}

/** The plan as `npm run deploy -- --dry-run` prints it. */
export function formatPlan(plan) {
  const lines = [`Deploy plan for the Worker "${plan.worker}":`, ""];
  if (plan.blockers.length > 0) {
    lines.push("Stops before changing anything:");
    for (const b of plan.blockers) lines.push(`  ✗ ${b}`);
    lines.push("");
  }
  lines.push("Steps:");
  plan.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s.label}${s.args ? `\n       wrangler ${s.args.join(" ")}${s.kind === "deploy" && s.secrets.length > 0 ? " --secrets-file <generated>" : ""}` : ""}`));
  lines.push("", "Bindings (wrangler.toml):");
  const width = Math.max(...plan.bindings.map((b) => b.binding.length));
  for (const b of plan.bindings) lines.push(`  ${b.binding.padEnd(width)}  ${b.kind.padEnd(14)} ${b.action.padEnd(8)} ${b.resource}`);
  return lines.join("\n");
}
