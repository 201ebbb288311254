// `npm run deploy` against an imitation Cloudflare account: a fake `wrangler`
// (fake-wrangler.mjs, keeping the account in a JSON file) and a fake of the
// deployed Worker's admin API on loopback. Cloudflare is the outside service
// here; the deploy script itself runs for real, as a user runs it.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "smol-toml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeConfig } from "../../../scripts/deploy/config.mjs";
import { planDeploy } from "../../../scripts/deploy/plan.mjs";
import { newSecretsKey } from "../../../scripts/deploy/secrets.mjs";
import { explainFailure, parseBucketList, parseDeployUrl, parseQueueList } from "../../../scripts/deploy/wrangler.mjs";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const fakeWrangler = fileURLToPath(new URL("./fake-wrangler.mjs", import.meta.url));
const toml = parse(readFileSync(join(root, "wrangler.toml"), "utf8")) as any;

/** Every queue wrangler.toml names: producers, consumers and dead-letter queues. */
const allQueues = [
  ...new Set([
    ...toml.queues.producers.map((p: any) => p.queue),
    ...toml.queues.consumers.map((c: any) => c.queue),
    ...toml.queues.consumers.flatMap((c: any) => (c.dead_letter_queue ? [c.dead_letter_queue] : [])),
  ]),
] as string[];
const databaseName: string = toml.d1_databases[0].database_name;
const bucketName: string = toml.r2_buckets[0].bucket_name;

interface Account {
  loggedIn: boolean;
  email: string;
  accounts: { id: string; name: string }[];
  workerName: string;
  workerUrl: string;
  databaseName: string;
  queues: { id: string; name: string }[];
  queuePageSize: number;
  d1: { uuid: string; name: string; migrated: number }[];
  r2: string[];
  workers: Record<string, { secrets: Record<string, string>; deployments: number }>;
  failures: { match: string; times: number; message: string }[];
  calls: string[];
  created: string[];
  events: string[];
  overwritten: string[];
}

/** The deployed Worker's admin API, as far as the first namespace needs it; checks the bearer against the secret set. */
class FakeWorker {
  server!: Server;
  url = "";
  calls: string[] = [];
  failApiKeys = 0;
  accountFile = "";
  async start() {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const account = JSON.parse(readFileSync(this.accountFile, "utf8")) as Account;
        const token = account.workers[account.workerName]?.secrets.ADMIN_TOKEN;
        const reply = (status: number, json: unknown) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(json));
        if (!token || req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: { code: "unauthorized" } });
        // Calls answered 201 are listed; a failed one made nothing.
        if (req.url!.endsWith("/api-keys") && this.failApiKeys-- > 0) return reply(503, { error: { code: "unavailable" } });
        this.calls.push(`${req.method} ${req.url}`);
        const name = (JSON.parse(body) as { name: string }).name;
        if (req.url === "/api/namespaces") return reply(201, { namespace: { name } });
        if (/^\/api\/namespaces\/[^/]+\/sources$/.test(req.url!)) return reply(201, { source: { name }, writeKey: `wk_${this.calls.length}` });
        if (/^\/api\/namespaces\/[^/]+\/api-keys$/.test(req.url!)) return reply(201, { apiKey: { name }, key: `lf_${this.calls.length}` });
        reply(404, { error: { code: "not_found" } });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

let dir = "";
const worker = new FakeWorker();

beforeAll(() => worker.start());
afterAll(() => new Promise((resolve) => worker.server.close(resolve)));
afterEach(() => {
  worker.calls = [];
  worker.failApiKeys = 0;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});

function newAccount(overrides: Partial<Account> = {}): string {
  dir = mkdtempSync(join(tmpdir(), "leadflare-deploy-"));
  const account: Account = {
    loggedIn: true,
    email: "ada@example.com",
    accounts: [{ id: "acc1", name: "Ada's account" }],
    workerName: toml.name,
    workerUrl: worker.url,
    databaseName,
    queues: [],
    queuePageSize: 5,
    d1: [],
    r2: [],
    workers: {},
    failures: [],
    calls: [],
    created: [],
    events: [],
    overwritten: [],
    ...overrides,
  };
  const file = join(dir, "account.json");
  writeFileSync(file, JSON.stringify(account));
  worker.accountFile = file;
  return file;
}

const account = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Account;

/** Runs `node scripts/deploy.mjs …` as `npm run deploy` does, against the fake account. */
function deploy(file: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "scripts/deploy.mjs"), ...args], {
      cwd: root,
      env: {
        ...process.env,
        LEADFLARE_WRANGLER: fakeWrangler,
        FAKE_CF_STATE: file,
        LEADFLARE_DEPLOY_STATE_DIR: join(dir, "state"),
        LEADFLARE_DEPLOY_ATTEMPTS: "1",
        CI: "",
        WORKERS_CI: "",
        CLOUDFLARE_ACCOUNT_ID: "",
        ...env,
      },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

const everythingExists = () => ({
  worker: { exists: true, secrets: ["ADMIN_TOKEN", "SECRETS_KEY"] },
  queues: allQueues,
  d1: [databaseName],
  r2: [bucketName],
});
const expectedResources = [...allQueues.map((q) => `queue ${q}`), `d1 ${databaseName}`, `r2 ${bucketName}`].sort();
const creates = (calls: string[]) => calls.filter((c) => / create /.test(` ${c} `));

describe("npm run deploy", () => {
  it("first run: creates every queue, dead-letter queue, the D1 database and the R2 bucket once, migrates before deploying, sets both secrets and prints the first keys once", async () => {
    const file = newAccount();
    const { code, out } = await deploy(file);
    expect(code, out).toBe(0);
    const after = account(file);

    expect([...after.created].sort()).toEqual(expectedResources);
    expect(after.events).toEqual([`migrate ${databaseName}`, "deploy"]);
    const secrets = after.workers[toml.name]!.secrets;
    expect(secrets.ADMIN_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    // The format src/secrets/cipher.ts parses: `<key id>:<base64 of 32 bytes>`.
    expect(secrets.SECRETS_KEY).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secrets.SECRETS_KEY!.slice(3), "base64")).toHaveLength(32);

    expect(worker.calls).toEqual(["POST /api/namespaces", "POST /api/namespaces/default/sources", "POST /api/namespaces/default/api-keys"]);
    expect(out).toContain(`console      ${worker.url}/app/`);
    expect(out).toContain("write key    wk_2");
    expect(out).toContain("API key      lf_3");
    expect(out).toContain(`admin token  ${secrets.ADMIN_TOKEN}`);
    // What was shown is not kept on disk.
    expect(readFileSync(join(dir, "state", `acc1-${toml.name}.json`), "utf8")).not.toContain(secrets.ADMIN_TOKEN);
  });

  it("second run creates nothing, sets no secret, makes no keys: it migrates and ships the code", async () => {
    const file = newAccount();
    expect((await deploy(file)).code).toBe(0);
    const first = account(file);
    worker.calls = [];

    const { code, out } = await deploy(file);
    expect(code, out).toBe(0);
    const second = account(file);
    expect(second.created).toEqual(first.created);
    expect(creates(second.calls.slice(first.calls.length))).toEqual([]);
    expect(second.workers[toml.name]!.secrets).toEqual(first.workers[toml.name]!.secrets);
    expect(second.overwritten).toEqual([]);
    expect(second.events).toEqual([...first.events, `migrate ${databaseName}`, "deploy"]);
    expect(second.calls.slice(first.calls.length).find((c) => c.startsWith("deploy"))).toBe("deploy");
    expect(worker.calls).toEqual([]);
    expect(out).toContain(`console   ${worker.url}/app/`);
  });

  it("never overwrites a secret that exists: an existing deployment with its own ADMIN_TOKEN gets only the missing SECRETS_KEY", async () => {
    const file = newAccount({
      workers: { [toml.name]: { secrets: { ADMIN_TOKEN: "the-owners-token", LLM_API_KEY: "sk-owner" }, deployments: 3 } },
      queues: allQueues.map((name, i) => ({ id: String(i).padStart(32, "0"), name })),
      d1: [{ uuid: "d".repeat(32), name: databaseName, migrated: 7 }],
      r2: [bucketName],
    });
    const { code, out } = await deploy(file);
    expect(code, out).toBe(0);
    const after = account(file);
    expect(after.overwritten).toEqual([]);
    expect(after.workers[toml.name]!.secrets.ADMIN_TOKEN).toBe("the-owners-token");
    expect(after.workers[toml.name]!.secrets.LLM_API_KEY).toBe("sk-owner");
    expect(after.workers[toml.name]!.secrets.SECRETS_KEY).toMatch(/^k1:/);
    expect(after.created).toEqual([]);
    // Not a first deploy (the admin token was the owner's): no namespace is made, and no token printed.
    expect(worker.calls).toEqual([]);
    expect(out).not.toContain("the-owners-token");
    // The generated key is shown once, then not kept on disk.
    const key = after.workers[toml.name]!.secrets.SECRETS_KEY!;
    expect(out).toContain(`SECRETS_KEY was not set; it is now ${key}`);
    expect(readFileSync(join(dir, "state", `acc1-${toml.name}.json`), "utf8")).not.toContain(key);
  });

  it("a failure midway stops with what to do, and a rerun resumes: every resource made once, the keys made once", async () => {
    const file = newAccount({
      failures: [{ match: "queues create leadflare-enrichment", times: 1, message: "fetch failed: getaddrinfo EAI_AGAIN api.cloudflare.com" }],
    });
    worker.failApiKeys = 1;

    const first = await deploy(file);
    expect(first.code).toBe(1);
    expect(first.out).toContain("✗ create queue leadflare-enrichment");
    expect(first.out).toContain("rerun `npm run deploy`");
    expect(account(file).events).toEqual([]); // stopped before migrations and code

    const second = await deploy(file);
    expect(second.code).toBe(1); // the Worker is up; its admin API failed once making the API key
    expect(second.out).toContain("creating the first namespace");
    expect(account(file).events).toEqual([`migrate ${databaseName}`, "deploy"]);

    const third = await deploy(file);
    expect(third.code, third.out).toBe(0);
    const after = account(file);
    expect([...after.created].sort()).toEqual(expectedResources);
    expect(after.overwritten).toEqual([]);
    expect(worker.calls.filter((c) => c === "POST /api/namespaces")).toHaveLength(1);
    expect(worker.calls.filter((c) => c.endsWith("/sources"))).toHaveLength(1);
    expect(worker.calls.filter((c) => c.endsWith("/api-keys"))).toHaveLength(1);
    expect(third.out).toContain(`admin token  ${after.workers[toml.name]!.secrets.ADMIN_TOKEN}`);
  });

  it("--dry-run lists every binding in wrangler.toml and every step, and changes nothing", async () => {
    const file = newAccount();
    const { code, out } = await deploy(file, ["--dry-run"]);
    expect(code, out).toBe(0);
    const bindingNames = [
      ...toml.d1_databases.map((d: any) => d.binding),
      ...toml.r2_buckets.map((b: any) => b.binding),
      ...toml.durable_objects.bindings.map((d: any) => d.name),
      ...toml.queues.producers.map((p: any) => p.binding),
      toml.assets.binding,
      ...Object.keys(toml.vars),
    ];
    for (const name of [...bindingNames, ...allQueues]) expect(out).toMatch(new RegExp(`\\b${name}\\b`));
    for (const q of allQueues) expect(out).toContain(`wrangler queues create ${q}`);
    expect(out).toContain(`wrangler d1 create ${databaseName}`);
    expect(out).toContain(`wrangler r2 bucket create ${bucketName}`);
    expect(out).toContain("wrangler d1 migrations apply DB --remote");
    expect(account(file).calls.filter((c) => !/^(whoami|secret list|queues list|d1 list|r2 bucket list)/.test(c))).toEqual([]);
  });

  it("every top-level entry of wrangler.toml is a setting or a binding kind the plan provides for", () => {
    const config = describeConfig(toml);
    expect(config.unknown).toEqual([]);
    const plan = planDeploy(config, { worker: { exists: false, secrets: [] }, queues: [], d1: [], r2: [] });
    expect(plan.blockers).toEqual([]);
    // A binding kind added without a deploy step stops the plan (and so `npm run deploy` and this test).
    const withKv = describeConfig({ ...toml, kv_namespaces: [{ binding: "CACHE" }] });
    expect(planDeploy(withKv, { worker: { exists: false, secrets: [] }, queues: [], d1: [], r2: [] }).blockers.join()).toContain("kv_namespaces");
    // README's Postgres setup adds a Hyperdrive binding by id: it exists, nothing to make.
    const withHyperdrive = planDeploy(describeConfig({ ...toml, hyperdrive: [{ binding: "HYPERDRIVE", id: "h1" }] }), everythingExists());
    expect(withHyperdrive.blockers).toEqual([]);
    expect(withHyperdrive.bindings).toContainEqual({ binding: "HYPERDRIVE", kind: "hyperdrive", resource: "h1", action: "exists" });
  });

  it("stops with what to do when wrangler is not logged in", async () => {
    const file = newAccount({ loggedIn: false });
    const { code, out } = await deploy(file);
    expect(code).toBe(1);
    expect(out).toContain("npx wrangler login");
    expect(account(file).calls).toEqual(["whoami --json"]);
  });

  it("stops when a name in wrangler.toml is already taken on the account by something that is not this deployment; --adopt uses it", async () => {
    const file = newAccount({ queues: [{ id: "a".repeat(32), name: "leadflare-jobs" }] });
    const { code, out } = await deploy(file);
    expect(code).toBe(1);
    expect(out).toContain('queue "leadflare-jobs" already exists');
    expect(out).toContain("--adopt");
    expect(creates(account(file).calls)).toEqual([]);

    const adopted = await deploy(file, ["--adopt"]);
    expect(adopted.code, adopted.out).toBe(0);
    expect(account(file).created).not.toContain("queue leadflare-jobs");
  });

  it("stops when the account has several accounts and none is chosen", async () => {
    const file = newAccount({ accounts: [{ id: "a1", name: "One" }, { id: "a2", name: "Two" }] });
    const { code, out } = await deploy(file);
    expect(code).toBe(1);
    expect(out).toContain("CLOUDFLARE_ACCOUNT_ID");
    const chosen = await deploy(file, [], { CLOUDFLARE_ACCOUNT_ID: "a2" });
    expect(chosen.code, chosen.out).toBe(0);
  });

  it("in Workers Builds (WORKERS_CI=1) sets missing secrets without printing them and makes no keys", async () => {
    const file = newAccount();
    const { code, out } = await deploy(file, [], { WORKERS_CI: "1" });
    expect(code, out).toBe(0);
    const secrets = account(file).workers[toml.name]!.secrets;
    expect(out).not.toContain(secrets.ADMIN_TOKEN!);
    expect(out).not.toContain(secrets.SECRETS_KEY!);
    expect(worker.calls).toEqual([]);
  });
});

describe("the plan (pure)", () => {
  const config = describeConfig(toml);
  const everything = {
    worker: { exists: true, secrets: ["ADMIN_TOKEN", "SECRETS_KEY"] },
    queues: allQueues,
    d1: [databaseName],
    r2: [bucketName],
  };
  const nothing = { worker: { exists: false, secrets: [] }, queues: [], d1: [], r2: [] };

  it("for a deployment that has everything: migrations, then the code, nothing else", () => {
    const plan = planDeploy(config, everything);
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.map((s) => s.kind)).toEqual(["migrate", "deploy"]);
    expect(plan.steps[1]!.secrets).toEqual([]);
  });

  it("for a new account: every create first, then migrations, then the code with both secrets, then the first namespace", () => {
    const kinds = planDeploy(config, nothing).steps.map((s) => s.kind);
    const lastCreate = kinds.findLastIndex((k) => k.startsWith("create-"));
    expect(kinds.filter((k) => k === "create-queue")).toHaveLength(allQueues.length);
    expect(kinds.indexOf("migrate")).toBe(lastCreate + 1);
    expect(kinds.slice(lastCreate + 1)).toEqual(["migrate", "deploy", "bootstrap"]);
    expect(planDeploy(config, nothing).steps.find((s) => s.kind === "deploy")!.secrets).toEqual(["ADMIN_TOKEN", "SECRETS_KEY"]);
  });

  it("a first namespace still pending from a failed run is made even though the secrets now exist; never in CI", () => {
    expect(planDeploy(config, everything, { bootstrap: { pending: true } }).steps.map((s) => s.kind)).toContain("bootstrap");
    expect(planDeploy(config, everything, { bootstrap: { pending: true, done: true } }).steps.map((s) => s.kind)).not.toContain("bootstrap");
    expect(planDeploy(config, nothing, {}, { ci: true }).steps.map((s) => s.kind)).not.toContain("bootstrap");
  });

  it("resources an earlier run from here created are not 'taken'", () => {
    const partial = { ...nothing, queues: ["leadflare-jobs"] };
    expect(planDeploy(config, partial).blockers).toHaveLength(1);
    expect(planDeploy(config, partial, { created: { queues: ["leadflare-jobs"] } }).blockers).toEqual([]);
  });
});

describe("reading wrangler's output", () => {
  it("queue names from `wrangler queues list`'s table", () => {
    const table = [
      "┌──────────────────────────────────┬──────────────────────┬─────────────┐",
      "│ id                               │ name                 │ created_on  │",
      "├──────────────────────────────────┼──────────────────────┼─────────────┤",
      "│ 0123456789abcdef0123456789abcdef │ leadflare-jobs       │ 2026-01-01  │",
      "├──────────────────────────────────┼──────────────────────┼─────────────┤",
      "│ fedcba9876543210fedcba9876543210 │ leadflare-sync-dlq   │ 2026-01-01  │",
      "└──────────────────────────────────┴──────────────────────┴─────────────┘",
    ].join("\n");
    expect(parseQueueList(table)).toEqual(["leadflare-jobs", "leadflare-sync-dlq"]);
  });

  it("bucket names from `wrangler r2 bucket list`", () => {
    expect(parseBucketList("Listing buckets...\nname:           leadflare-archive\ncreation_date:  2026-01-01T00:00:00.000Z\n\nname:           other\ncreation_date:  x\n")).toEqual(["leadflare-archive", "other"]);
  });

  it("the Worker's URL from `wrangler deploy`", () => {
    const out = "Uploaded leadflare (4.1 sec)\nDeployed leadflare triggers (1.2 sec)\n  https://leadflare.ada.workers.dev\n  schedule: */15 * * * *\n  Producer for leadflare-jobs\n";
    expect(parseDeployUrl(out)).toBe("https://leadflare.ada.workers.dev");
    expect(parseDeployUrl("Deployed leadflare triggers\n  leads.example.com (custom domain)\n")).toBeUndefined();
  });

  it("a failure's output becomes what to do", () => {
    expect(explainFailure("✘ [ERROR] Not logged in.\nYou are not authenticated. Please run `wrangler login`.")).toContain("npx wrangler login");
    expect(explainFailure("Queue leadflare-jobs already has a consumer [code: 11004]")).toContain("already used on this account");
    expect(explainFailure("fetch failed: getaddrinfo ENOTFOUND api.cloudflare.com")).toContain("rerun `npm run deploy` when online");
    expect(explainFailure("Please enable R2 through the Cloudflare Dashboard. [code: 10042]")).toContain("R2 is not enabled");
    expect(explainFailure("something else entirely")).toContain("rerun `npm run deploy`");
  });

  it("a new SECRETS_KEY is one key id and 32 random bytes", () => {
    const a = newSecretsKey();
    expect(a).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(newSecretsKey());
  });
});
