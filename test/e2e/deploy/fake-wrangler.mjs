#!/usr/bin/env node
// A small imitation of the wrangler CLI against one Cloudflare account, for
// the deploy tests: the account lives in the JSON file FAKE_CF_STATE. It
// answers the commands `npm run deploy` uses, in the shapes wrangler 4.156
// prints them (whoami --json, d1 list --json, the queues list table, the
// r2 bucket list blocks, secret list --format json, deploy's trigger list),
// logs every call, and fails a command once when `failures` asks it to.
import { readFileSync, writeFileSync } from "node:fs";

const path = process.env.FAKE_CF_STATE;
const state = JSON.parse(readFileSync(path, "utf8"));
const args = process.argv.slice(2);
const line = args.join(" ");
state.calls.push(line);
const save = () => writeFileSync(path, JSON.stringify(state, null, 2));
const fail = (message, code = 1) => {
  save();
  process.stderr.write(`✘ [ERROR] ${message}\n`);
  process.exit(code);
};
const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");

const failure = state.failures.find((f) => line.startsWith(f.match) && f.times > 0);
if (failure) {
  failure.times -= 1;
  fail(failure.message);
}

const worker = () => state.workers[state.workerName];
const [a, b, c] = args;

if (a === "whoami") {
  if (!state.loggedIn) fail('{"loggedIn":false}');
  process.stdout.write(JSON.stringify({ loggedIn: true, authType: "OAuth Token", email: state.email, accounts: state.accounts }, null, 2));
} else if (a === "secret" && b === "list") {
  if (!worker()) fail(`This Worker does not exist on your account. [code: 10007]`);
  process.stdout.write(JSON.stringify(Object.keys(worker().secrets).map((name) => ({ name, type: "secret_text" }))));
} else if (a === "queues" && b === "list") {
  const page = Number(args[args.indexOf("--page") + 1] || 1);
  const rows = state.queues.slice((page - 1) * state.queuePageSize, page * state.queuePageSize);
  const out = ["┌──────────────────────────────────┬──────┐", "│ id │ name │ created_on │ modified_on │ producers │ consumers │", "├──┤"];
  for (const q of rows) out.push(`│ ${q.id} │ ${q.name} │ 2026-01-01T00:00:00Z │ 2026-01-01T00:00:00Z │ 0 │ 0 │`);
  out.push("└──┘");
  process.stdout.write(out.join("\n") + "\n");
} else if (a === "queues" && b === "create") {
  if (state.queues.some((q) => q.name === c)) fail(`A queue with this name already exists. [code: 11009]`);
  state.queues.push({ id: hex(32), name: c });
  state.created.push(`queue ${c}`);
  process.stdout.write(`🌀 Creating queue '${c}'\n✅ Created queue '${c}'.\n`);
} else if (a === "d1" && b === "list") {
  process.stdout.write(JSON.stringify(state.d1.map((db) => ({ uuid: db.uuid, name: db.name, created_at: "2026-01-01" }))));
} else if (a === "d1" && b === "create") {
  if (state.d1.some((db) => db.name === c)) fail(`A database with that name already exists [code: 7502]`);
  state.d1.push({ uuid: hex(32), name: c, migrated: 0 });
  state.created.push(`d1 ${c}`);
  process.stdout.write(`✅ Successfully created DB '${c}'\n`);
} else if (a === "d1" && b === "migrations" && c === "apply") {
  // The binding names the database in wrangler.toml: leadflare's DB is "leadflare".
  const db = state.d1.find((d) => d.name === state.databaseName);
  if (!db) fail(`Couldn't find a D1 DB named '${state.databaseName}' (bound as '${args[3]}') in the API. Run 'wrangler d1 create ${state.databaseName}' to create it.`);
  if (!args.includes("--remote")) fail("expected --remote");
  db.migrated += 1;
  state.events.push(`migrate ${db.name}`);
  process.stdout.write(`Migrations to be applied: …\n✅ Applied.\n`);
} else if (a === "r2" && b === "bucket" && c === "list") {
  process.stdout.write(`Listing buckets...\n${state.r2.map((n) => `name:           ${n}\ncreation_date:  2026-01-01T00:00:00.000Z`).join("\n\n")}\n`);
} else if (a === "r2" && b === "bucket" && c === "create") {
  const name = args[3];
  if (state.r2.includes(name)) fail(`The bucket you tried to create already exists, and you own it. [code: 10004]`);
  state.r2.push(name);
  state.created.push(`r2 ${name}`);
  process.stdout.write(`✅ Created bucket '${name}'\n`);
} else if (a === "deploy") {
  const i = args.indexOf("--secrets-file");
  const secrets = i >= 0 ? JSON.parse(readFileSync(args[i + 1], "utf8")) : {};
  state.workers[state.workerName] ??= { secrets: {}, deployments: 0 };
  for (const [name, value] of Object.entries(secrets)) {
    if (name in worker().secrets) state.overwritten.push(name);
    worker().secrets[name] = value;
  }
  worker().deployments += 1;
  state.events.push("deploy");
  process.stdout.write(`Uploaded ${state.workerName} (1.00 sec)\nDeployed ${state.workerName} triggers (0.50 sec)\n  ${state.workerUrl}\n  schedule: */15 * * * *\nCurrent Version ID: ${hex(8)}\n`);
} else {
  fail(`the fake wrangler does not know \`wrangler ${line}\``);
}
save();
