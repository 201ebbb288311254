// CPU per operation of the code issue 34 moved onto libraries, before and
// after in one run: a SigV4 signature (aws4fetch), a service-account JWT
// (jose), a URL guard check (ipaddr.js). "before" is the hand-written code at
// a git revision (84be7f4 unless `--before <rev>`), "after" the working tree;
// both are bundled by esbuild and run here in Node, interleaved round by
// round, and timed by process.cpuUsage() (all threads: WebCrypto's too), so
// other load on the machine moves both alike. Prints µs per op (the median of
// the rounds) and after/before.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "bench/out/libs");
const args = process.argv.slice(2);
const BEFORE = args.includes("--before") ? args[args.indexOf("--before") + 1] : "84be7f4";
const ROUNDS = Number(process.env.LIBS_ROUNDS ?? 15);

const ENTRY = `
export { signV4 } from "./src/destinations/sigv4";
export { signedJwt } from "./src/destinations/google-auth";
export { checkOutboundUrl } from "./src/outbound/url-guard";
`;

/** Bundles the three modules of a source tree for Node; the Worker-only imports on their paths are stubbed (never called here). */
async function bundle(tree, name) {
  const outfile = join(OUT, `${name}.mjs`);
  await build({
    stdin: { contents: ENTRY, resolveDir: tree, loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    outfile,
    nodePaths: [join(ROOT, "node_modules")],
    logLevel: "error",
    plugins: [
      {
        name: "workers-stubs",
        setup(b) {
          b.onResolve({ filter: /^cloudflare:/ }, (a) => ({ path: a.path, namespace: "stub" }));
          b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export const env = {}; export class DurableObject {} export class WorkerEntrypoint {}", loader: "js" }));
        },
      },
    ],
  });
  return import(pathToFileURL(outfile).href);
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, "before"), { recursive: true });
execFileSync("sh", ["-c", `git archive ${BEFORE} src | tar -x -C ${join(OUT, "before")}`], { cwd: ROOT });
const before = await bundle(join(OUT, "before"), "before");
const after = await bundle(ROOT, "after");

// A 2048-bit RSA key, as in a service account's JSON key file.
const pair = await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign"]);
const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", pair.privateKey)).toString("base64");
const account = { client_email: "leadflare@project.iam.gserviceaccount.com", private_key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g).join("\n")}\n-----END PRIVATE KEY-----\n` };

const putInput = {
  method: "PUT",
  url: new URL("https://s3.eu-west-1.amazonaws.com/lf-drops/leadflare/dt%3D2026-12-07/0123456789abcdef0123456789abcdef.ndjson"),
  headers: { "content-type": "application/x-ndjson" },
  payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  region: "eu-west-1",
  service: "s3",
  now: new Date("2026-12-07T12:00:00Z"),
};

const production = { allowPrivate: false };
const GUARD_SETS = {
  "guard: host names": ["https://hooks.slack.com/services/T0/B0/x", "https://api.hubapi.com/crm/v3/objects/contacts", "https://hooks.customer.fake/in", "https://metadata.google.internal/"],
  "guard: IPv4 literals": ["https://8.8.8.8/", "https://10.0.0.1/", "https://169.254.169.254/", "https://203.0.113.9/"],
  "guard: IPv6 literals": ["https://[2606:4700:4700::1111]/", "https://[::ffff:10.1.2.3]/", "https://[64:ff9b::8.8.8.8]/", "https://[fe80::1]/"],
  "guard: odd spellings (postgres host)": ["postgres://u@0x7f.1:5432/db", "postgres://u@2130706433:5432/db", "postgres://u@0177.0.0.1:5432/db", "postgres://u@127.1:5432/db"],
};

/** [name, ops per batch, run(impl) for one batch]. */
const CASES = [
  ["SigV4 signature (S3 PUT)", 200, async (impl) => { for (let i = 0; i < 200; i++) await impl.signV4(putInput); }],
  ["service-account JWT (RS256)", 20, async (impl) => { for (let i = 0; i < 20; i++) await impl.signedJwt(account, "https://www.googleapis.com/auth/bigquery.insertdata", "https://oauth2.googleapis.com/token", 1_765_108_800_000); }],
  ...Object.entries(GUARD_SETS).map(([name, urls]) => [name, 4_000, async (impl) => { for (let i = 0; i < 1_000; i++) for (const url of urls) impl.checkOutboundUrl(url, production); }]),
];

async function cpuMicros(run) {
  const start = process.cpuUsage();
  await run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Both give the same answers before anything is timed.
for (const url of Object.values(GUARD_SETS).flat()) {
  const [b, a] = [before.checkOutboundUrl(url, production).ok, after.checkOutboundUrl(url, production).ok];
  if (a !== b) throw new Error(`the guards disagree on ${url}: before ${b}, after ${a}`);
}

console.log(`before: ${BEFORE}, after: the working tree; ${ROUNDS} rounds, CPU µs per op (median of rounds), Node ${process.version}`);
for (const [name, ops, run] of CASES) {
  await run(before);
  await run(after);
  const times = { before: [], after: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    const order = round % 2 ? ["after", "before"] : ["before", "after"];
    for (const which of order) times[which].push((await cpuMicros(() => run(which === "before" ? before : after))) / ops);
  }
  const [b, a] = [median(times.before), median(times.after)];
  console.log(`${name.padEnd(38)} before ${b.toFixed(2).padStart(8)} µs  after ${a.toFixed(2).padStart(8)} µs  after/before ${(a / b).toFixed(2)}`);
}
