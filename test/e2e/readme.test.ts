// The shell examples of README.md and of the docs its reference moved to, run
// as written against `wrangler dev` on a fresh local state (what `npm start`
// gives a new user): every block that talks to the local server and names no
// placeholder (`<id>`, `…`) runs in the order of DOCUMENTS, each curl must
// answer below 400. $ADMIN_TOKEN and $API_KEY are the local ones README says
// to export. The second part runs deploy's first-namespace step against the
// same real Worker.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapNamespace } from "../../scripts/deploy/bootstrap.mjs";
import { DEV, prepareLocalState, startDev } from "../../scripts/local.mjs";
import { freePort } from "../setup/free-port.ts";

/** README first, then the docs whose examples build on it (routing: sources.md's second block needs its first). */
const DOCUMENTS = [
  "README.md",
  "docs/api.md",
  "docs/sdk.md",
  "docs/scoring.md",
  "docs/destinations.md",
  "docs/lead-service.md",
  "docs/sources.md",
  "docs/tenancy-and-privacy.md",
  "docs/archive.md",
  "docs/deploy.md",
  "docs/development.md",
];
const blocksOf = (file: string) =>
  [...readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), "utf8").matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => ({ file, block: m[1]! }));
const located = DOCUMENTS.flatMap(blocksOf);
const blocks = located.map((b) => b.block);
const local = (block: string) => /(localhost|127\.0\.0\.1):8787/.test(block);
const code = (block: string) => block.split("\n").filter((line) => !line.trimStart().startsWith("#")).join("\n");
const runnable = (block: string) => local(block) && !/^\s*(npm|npx) /m.test(block) && !/[<…]/.test(code(block));

/** curl as README uses it, but failing (and saying why) on an HTTP error, as a user reading the answer would notice. */
const PRELUDE = `set -e
curl() {
  local out status
  out=$(mktemp)
  status=$(command curl -sS -o "$out" -w '%{http_code}' "$@") || { echo "curl could not connect: curl $*" >&2; return 1; }
  cat "$out"; echo
  if [ "$status" -ge 400 ]; then echo "HTTP $status from: curl $*" >&2; return 1; fi
}
`;

let server: Awaited<ReturnType<typeof startDev>>;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "leadflare-readme-"));
  prepareLocalState(stateDir);
  server = await startDev({ port: await freePort(), persistTo: stateDir, stdio: "ignore" });
});

afterAll(() => {
  server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("README and docs examples", () => {
  it("has the examples this test runs (the front door's, the empty filters', the routing ones)", () => {
    expect(blocksOf("README.md").map((b) => b.block).filter(runnable).join("\n")).toContain("/v1/identify");
    const run = blocks.filter(runnable).join("\n");
    expect(run).toContain("/api/leads?stage=&grade=&minScore=&updatedSince=&sort=");
    expect(run).toContain("/api/leads/export.csv?stage=&grade=&minScore=&updatedSince=&sort=");
    expect(run).toContain('{"acceptRoutedFrom":["agency-hub"]}');
    expect(blocks.filter(runnable).length).toBeGreaterThanOrEqual(6);
  });

  it("every runnable shell block runs as written", () => {
    const host = new URL(server.url).host;
    for (const { file, block } of located.filter((b) => runnable(b.block))) {
      const script = PRELUDE + block.replaceAll("localhost:8787", host).replaceAll("127.0.0.1:8787", host);
      const result = spawnSync("bash", ["-c", script], {
        cwd: stateDir,
        encoding: "utf8",
        env: { ...process.env, ADMIN_TOKEN: DEV.adminToken, API_KEY: DEV.apiKey },
      });
      expect(result.status, `${file} block failed:\n${block}\n${result.stdout}\n${result.stderr}`).toBe(0);
    }
  });

  it("the front door: the console, from / and from the banner's URL", async () => {
    const root = await fetch(`${server.url}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("Location")).toBe("/app/");
    const app = await fetch(`${server.url}/app/`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain("<html");
  });
});

// `npm run deploy`'s last step speaks to the deployed Worker's admin API; here
// it runs against the real Worker (wrangler dev), and the keys it prints work.
describe("deploy's first namespace, against the real Worker", () => {
  it("creates the namespace, a write key and an API key that ingest and read; a rerun with the saved progress makes nothing new", async () => {
    const saved: Record<string, unknown>[] = [];
    const progress = await bootstrapNamespace({
      url: server.url,
      adminToken: DEV.adminToken,
      namespace: "first-deploy",
      progress: {},
      save: (p) => saved.push({ ...p }),
      attempts: 1,
    });
    expect(saved.map((p) => Object.keys(p).sort())).toEqual([["namespaceCreated"], ["namespaceCreated", "writeKey"], ["apiKey", "namespaceCreated", "writeKey"]]);

    const track = await fetch(`${server.url}/v1/track`, {
      method: "POST",
      headers: { Authorization: `Basic ${btoa(`${progress.writeKey}:`)}`, "Content-Type": "application/json" },
      body: JSON.stringify({ userId: "first-deploy-user", event: "Signup" }),
    });
    expect(track.status).toBe(200);
    const lead = await fetch(`${server.url}/api/leads/lookup?userId=first-deploy-user`, { headers: { Authorization: `Bearer ${progress.apiKey}` } });
    expect(lead.status).toBe(200);
    expect(((await lead.json()) as { lead: { eventCount: number } }).lead.eventCount).toBe(1);

    const again = await bootstrapNamespace({ url: server.url, adminToken: DEV.adminToken, namespace: "first-deploy", progress, save: () => {}, attempts: 1 });
    expect(again).toEqual(progress);
    const sources = await fetch(`${server.url}/api/namespaces/first-deploy/sources`, { headers: { Authorization: `Bearer ${DEV.adminToken}` } });
    expect(((await sources.json()) as { sources: unknown[] }).sources).toHaveLength(1);
  });
});
