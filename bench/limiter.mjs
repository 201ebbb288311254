// The rate limiter's cost per request: leadflare with RATE_LIMITS on and off,
// on a request that does auth + limiter and nothing else (POST /v1/track with
// the body `[]`: the write key is checked and the limiter asked, then the
// body is refused with 400 before any lead object is reached).
// Two loads per setting: 50 closed loops (workerd time per request = 1 / throughput)
// and 1 loop (the latency one request gains). See bench/README.md.
import { createClient } from "./load.mjs";
import { build, LEADFLARE, setupLeadflare, start } from "./worker.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

async function load(client, headers, concurrency, seconds) {
  const latencies = [];
  let unexpected;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const res = await client.post("/v1/track", "[]", headers);
        latencies.push(performance.now() - t0);
        if (res.status !== 400) unexpected ??= `${res.status} ${res.text.slice(0, 200)}`;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, requestsPerSec: latencies.length / elapsed, p50Ms: latencies[Math.floor(latencies.length / 2)], unexpected };
}

const built = await build(LEADFLARE);
process.stderr.write(`built commit ${built.source.commit}${built.source.dirty ? " (with uncommitted changes)" : ""}\n`);
const results = { on: [], off: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of ["on", "off"]) {
    const { mf, url } = await start({ ...LEADFLARE, bindings: { RATE_LIMITS: mode } }, built);
    try {
      const headers = (await setupLeadflare(url, mf, { sourceRateLimit: { limit: 1_000_000, periodSeconds: 1 } })).ingestHeaders;
      const client = createClient(url, 50);
      await load(client, headers, 50, 2); // warm-up
      const many = await load(client, headers, 50, SECONDS);
      const one = await load(client, headers, 1, SECONDS);
      await client.close();
      if (many.unexpected || one.unexpected) throw new Error(`unexpected answer: ${many.unexpected ?? one.unexpected}`);
      results[mode].push({ many, one });
      process.stderr.write(`round ${round + 1}, limiter ${mode}: ${many.requestsPerSec.toFixed(0)} req/s at 50, p50 ${one.p50Ms.toFixed(2)} ms at 1\n`);
    } finally {
      await mf.dispose();
    }
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rps = (mode) => mean(results[mode].map((r) => r.many.requestsPerSec));
const p50 = (mode) => mean(results[mode].map((r) => r.one.p50Ms));
const costMs = (1000 / rps("on") - 1000 / rps("off"));
console.log(`\nrate limiter overhead, ${ROUNDS} rounds × ${SECONDS}s, auth-only request (POST /v1/track, body [], 400):`);
console.log(`  50 loops: ${rps("on").toFixed(0)} req/s with the limiter, ${rps("off").toFixed(0)} without → ${costMs.toFixed(3)} ms of workerd time per request`);
console.log(`  1 loop:   p50 ${p50("on").toFixed(2)} ms with, ${p50("off").toFixed(2)} ms without → +${(p50("on") - p50("off")).toFixed(2)} ms latency per request`);
