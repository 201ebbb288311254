// The lead buffer under load: pushes of 1,000 leads, then 50 concurrent
// callers pulling /buffer/next until the buffer is empty. Prints leads/s for
// pushes, claims/s and p50/p99 for pulls, and checks every lead was handed
// out exactly once. See bench/README.md.
import { createClient } from "./load.mjs";
import { build, LEADFLARE, setupLeadflare, start } from "./worker.mjs";

const LEADS = Number(process.env.BENCH_LEADS ?? 20_000);
const PUSH_SIZE = 1000;
const CONCURRENCY = 50;

const built = await build(LEADFLARE);
process.stderr.write(`built commit ${built.source.commit}${built.source.dirty ? " (with uncommitted changes)" : ""}\n`);
// Rate limits off: 50 callers of one organisation would otherwise meet the API key limit.
const { mf, url } = await start({ ...LEADFLARE, bindings: { RATE_LIMITS: "off" } }, built);
try {
  const { apiKey } = await setupLeadflare(url, mf, { apiKey: true });
  const client = createClient(url, CONCURRENCY);
  const org = await client.post("/api/orgs", JSON.stringify({ clerkOrgId: "org_bench", appId: "bench" }), { authorization: `Bearer ${apiKey}` });
  if (org.status !== 201) throw new Error(`POST /api/orgs: ${org.status} ${org.text}`);
  const headers = { "x-api-key": JSON.parse(org.text).apiKey, "x-org-id": "org_bench", "x-app-id": "bench" };

  const pushStart = performance.now();
  for (let first = 0; first < LEADS; first += PUSH_SIZE) {
    const leads = Array.from({ length: Math.min(PUSH_SIZE, LEADS - first) }, (_, i) => ({ email: `lead${first + i}@bench.test`, data: { n: first + i } }));
    const res = await client.post("/buffer/push", JSON.stringify({ namespace: "bench", clerkOrgId: "org_bench", leads }), headers);
    if (res.status !== 200 || JSON.parse(res.text).buffered !== leads.length) throw new Error(`push: ${res.status} ${res.text}`);
  }
  const pushSeconds = (performance.now() - pushStart) / 1000;

  const served = [];
  const latencies = [];
  let empty = 0;
  const pullStart = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, loop) => {
      for (let n = 0; ; n++) {
        const t0 = performance.now();
        const res = await client.post("/buffer/next", JSON.stringify({ namespace: "bench", parentRunId: `run-${loop}` }), { ...headers, "idempotency-key": `${loop}-${n}` });
        latencies.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`next: ${res.status} ${res.text}`);
        const body = JSON.parse(res.text);
        if (!body.found) {
          empty++;
          return;
        }
        served.push(body.lead.email);
      }
    }),
  );
  const pullSeconds = (performance.now() - pullStart) / 1000;
  await client.close();

  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1);
  const distinct = new Set(served).size;
  console.log(`lead buffer, ${LEADS} leads, commit ${built.source.commit}:`);
  console.log(`  push:  ${LEADS / PUSH_SIZE} pushes of ${PUSH_SIZE} in ${pushSeconds.toFixed(1)} s → ${(LEADS / pushSeconds).toFixed(0)} leads/s`);
  console.log(`  next:  ${CONCURRENCY} callers, ${served.length} claims in ${pullSeconds.toFixed(1)} s → ${(served.length / pullSeconds).toFixed(0)} claims/s, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
  console.log(`  check: ${distinct} distinct of ${served.length} served (${served.length - distinct} twice), ${LEADS - distinct} never served, ${empty} callers saw the empty buffer`);
  if (distinct !== LEADS || served.length !== LEADS) process.exitCode = 1;
} finally {
  await mf.dispose();
}
