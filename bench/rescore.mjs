// Time to rescore N leads after a scoring rule change, on workerd through
// Miniflare (D1, the LEAD Durable Object, the PROJECTION and JOBS queues).
// See bench/README.md ("Rescore bench").
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createClient } from "./load.mjs";
import { build, getJson, LEADFLARE, OUT_DIR, poll, setupLeadflare, start } from "./worker.mjs";

const LEADS = Number(process.env.RESCORE_LEADS ?? 10_000);
const CONCURRENCY = Number(process.env.RESCORE_CONCURRENCY ?? 8);
/** Bound on each wait for the projection (after the ingest, after the rescore). */
const PROJECTION_TIMEOUT_S = Number(process.env.RESCORE_PROJECTION_TIMEOUT_SECONDS ?? 300);
/** Bound on the rescore job. */
const JOB_TIMEOUT_S = Number(process.env.RESCORE_JOB_TIMEOUT_SECONDS ?? 900);
const SAMPLE = Math.min(20, LEADS);
const EVENTS_PER_REQUEST = 100; // 50 leads × (page + track)
const MAX_ATTEMPTS = 3;
// Creating leads is slow (a batch of 50 new leads took 6–10 s with 8 in
// flight), so the client waits longer than run.mjs's 10 s before giving up.
const REQUEST_TIMEOUT_MS = 60_000;

const RULE = {
  event: "page_view",
  points: 15,
  conditions: [{ property: "properties.path", op: "starts_with", value: "/pricing" }],
};
// Default points: page_view 5 + signup 20; with the rule, 15 + 20.
const SCORE_BEFORE = 25;
const SCORE_AFTER = 35;
// stageFor(): below 30 is cold, 30–59 warm. Every lead moves from one to the other.
const STAGE_BEFORE = "cold";
const STAGE_AFTER = "warm";

const log = (msg) => process.stderr.write(`[rescore] ${msg}\n`);
const secs = (ms) => Math.round(ms) / 1000;
const userIdOf = (i) => `rescore-u${i}`;

let mf;
process.once("SIGINT", () => {
  Promise.resolve(mf?.dispose()).finally(() => process.exit(130));
});

const report = {
  date: new Date().toISOString(),
  machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
  settings: { leads: LEADS, eventsPerLead: 2, eventsPerRequest: EVENTS_PER_REQUEST, concurrency: CONCURRENCY, rule: RULE },
};

let client;
try {
  // ---- 1. build, start, set up ---------------------------------------------
  const worker = LEADFLARE;
  log("building");
  const built = await build(worker);
  report.source = built.source;
  log(`starting (commit ${built.source.commit}${built.source.dirty ? ", with uncommitted changes" : ""})`);
  let url;
  ({ mf, url } = await start(worker, built));
  const { ingestHeaders, apiKey } = await setupLeadflare(url, mf, { apiKey: true });
  const api = { authorization: `Bearer ${apiKey}` };
  client = createClient(url, CONCURRENCY, { timeoutMs: REQUEST_TIMEOUT_MS });

  // ---- 2. ingest N leads × 2 events ----------------------------------------
  const now = Date.now();
  const bodies = [];
  for (let first = 0; first < LEADS; first += EVENTS_PER_REQUEST / 2) {
    const batch = [];
    for (let i = first; i < Math.min(first + EVENTS_PER_REQUEST / 2, LEADS); i++) {
      const viewedAt = now - 3_600_000 + Math.floor(Math.random() * 3_000_000); // within the last hour
      batch.push(
        {
          type: "page",
          userId: userIdOf(i),
          name: "Pricing",
          properties: { path: "/pricing" },
          messageId: `rescore-${i}-page`,
          timestamp: new Date(viewedAt).toISOString(),
        },
        {
          type: "track",
          userId: userIdOf(i),
          event: "Signup",
          properties: { plan: "trial" },
          messageId: `rescore-${i}-signup`,
          timestamp: new Date(viewedAt + 60_000).toISOString(),
        },
      );
    }
    bodies.push(JSON.stringify({ batch, sentAt: new Date().toISOString() }));
  }
  log(`ingest: ${LEADS} leads, ${LEADS * 2} events in ${bodies.length} batch requests, ${CONCURRENCY} at a time`);
  let next = 0;
  let retries = 0;
  let firstError;
  const latencies = [];
  const ingestStart = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        for (let attempt = 1; ; attempt++) {
          const t0 = performance.now();
          const res = await client.post("/v1/batch", body, ingestHeaders);
          latencies.push(performance.now() - t0);
          if (res.status === 200 && JSON.parse(res.text).success === true) break;
          firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
          // messageIds make a resend harmless (deduped by the lead).
          if (attempt >= MAX_ATTEMPTS) throw new Error(`POST /v1/batch failed ${attempt} times: ${firstError}`);
          retries++;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }),
  );
  const ingestMs = performance.now() - ingestStart;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
  report.ingest = {
    seconds: secs(ingestMs),
    requests: bodies.length,
    retries,
    firstError,
    eventsPerSec: (LEADS * 2) / (ingestMs / 1000),
    leadsPerSec: LEADS / (ingestMs / 1000),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
  log(
    `ingest: ${secs(ingestMs)}s, ${Math.round(report.ingest.eventsPerSec)} events/s, ` +
      `p50 ${pct(0.5).toFixed(0)} ms, p99 ${pct(0.99).toFixed(0)} ms, ${retries} retries` +
      (firstError ? ` (first error: ${firstError})` : ""),
  );

  // ---- 3. wait until the projection holds all N leads ----------------------
  const statsRoute = "/api/namespaces/bench/stats";
  const waitForProjection = async (what, done) => {
    let lastPrint = 0;
    let last;
    try {
      return await poll(
        async () => {
          last = await getJson(client, statsRoute, api);
          if (performance.now() - lastPrint > 5000) {
            lastPrint = performance.now();
            log(`  projection: ${last.leads} leads, ${JSON.stringify(last.byStage)}, average score ${last.averageScore}`);
          }
          return done(last) ? last : null;
        },
        { timeoutMs: PROJECTION_TIMEOUT_S * 1000, intervalMs: 250, what },
      );
    } catch (err) {
      throw new Error(`${err.message}; last stats: ${JSON.stringify(last)}`);
    }
  };
  log(`waiting for the projection to hold ${LEADS} leads (at most ${PROJECTION_TIMEOUT_S}s)`);
  const projected = await waitForProjection(
    `${LEADS} ${STAGE_BEFORE} leads`,
    (s) => s.leads === LEADS && s.byStage[STAGE_BEFORE] === LEADS,
  );
  report.projectionAfterIngest = {
    secondsAfterIngest: secs(projected.ms),
    secondsFromIngestStart: secs(performance.now() - ingestStart),
    stats: projected.value,
  };
  log(`projection: ${LEADS} leads ${secs(projected.ms)}s after the ingest (average score ${projected.value.averageScore})`);

  // Sample leads, spread over the range: their score before the change.
  const sample = Array.from({ length: SAMPLE }, (_, k) => userIdOf(Math.floor((k * LEADS) / SAMPLE)));
  const lookup = async (userId) =>
    (await getJson(client, `/api/leads/lookup?userId=${encodeURIComponent(userId)}`, api)).lead;
  const before = await Promise.all(sample.map(lookup));
  const wrongBefore = before.filter((l) => l.behaviourScore !== SCORE_BEFORE);
  if (wrongBefore.length) {
    throw new Error(`before the change, ${wrongBefore.length}/${SAMPLE} sampled leads do not have behaviourScore ${SCORE_BEFORE}: ${JSON.stringify(wrongBefore[0])}`);
  }

  // ---- 4. change the scoring; 5. wait for the rescore job -------------------
  log(`POST /api/scoring-rules ${JSON.stringify(RULE)}`);
  const t0 = performance.now();
  const created = await client.post("/api/scoring-rules", JSON.stringify(RULE), api);
  const postMs = performance.now() - t0;
  if (created.status !== 201) throw new Error(`POST /api/scoring-rules: ${created.status} ${created.text}`);
  const { rescore } = JSON.parse(created.text);
  log(`rescore job ${rescore.id}: ${rescore.status}, total ${rescore.total} (answered in ${postMs.toFixed(0)} ms)`);

  const progress = []; // [seconds since the POST, processed] whenever it moved
  let lastPrint = 0;
  let job;
  try {
    await poll(
      async () => {
        ({ job } = await getJson(client, "/api/scoring-rules/rescore-status", api));
        const t = performance.now() - t0;
        if (job.processed !== progress.at(-1)?.[1]) progress.push([secs(t), job.processed]);
        if (t - lastPrint > 10_000) {
          lastPrint = t;
          log(`  t+${Math.round(t / 1000)}s: ${job.status}, ${job.processed}/${job.total} (${job.percentage}%)`);
        }
        return job.id === rescore.id && job.status === "completed";
      },
      { timeoutMs: JOB_TIMEOUT_S * 1000, intervalMs: 250, what: `rescore job ${rescore.id} to complete` },
    );
  } catch (err) {
    throw new Error(`${err.message}; last status: ${JSON.stringify(job)}`);
  }
  const jobMs = performance.now() - t0;
  const firstProgress = progress.find(([, n]) => n > 0)?.[0];
  // Time between successive recorded pages (polled every 250 ms).
  const gaps = progress.slice(1).map(([t], k) => t - progress[k][0]).sort((a, b) => a - b);
  report.rescore = {
    jobId: rescore.id,
    total: job.total,
    processed: job.processed,
    seconds: secs(jobMs),
    leadsPerSec: job.processed / (jobMs / 1000),
    postMs,
    secondsToFirstPage: firstProgress,
    secondsPer100Leads: jobMs / 1000 / (job.processed / 100),
    // Steps of `processed` seen by the 250 ms polls (pages finishing within one poll count once).
    progressSteps: progress.filter(([, n]) => n > 0).length,
    stepSeconds: gaps.length ? { min: gaps[0], median: gaps[gaps.length >> 1], max: gaps.at(-1) } : undefined,
    progress,
  };
  log(
    `rescore: ${job.processed}/${job.total} leads in ${secs(jobMs)}s = ${report.rescore.leadsPerSec.toFixed(1)} leads/s ` +
      `(first page recorded at t+${firstProgress}s)`,
  );

  const after = await Promise.all(sample.map(lookup));
  const wrongAfter = after.filter((l) => l.behaviourScore !== SCORE_AFTER);
  report.sample = { leads: SAMPLE, before: SCORE_BEFORE, after: SCORE_AFTER, wrongAfter: wrongAfter.length };
  if (wrongAfter.length) {
    log(`WARNING: ${wrongAfter.length}/${SAMPLE} sampled leads lack behaviourScore ${SCORE_AFTER} once the job completed, e.g. ${JSON.stringify(wrongAfter[0])}`);
  } else {
    log(`sample: ${SAMPLE}/${SAMPLE} leads went from behaviourScore ${SCORE_BEFORE} to ${SCORE_AFTER}`);
  }

  // ---- until the lists show the change (the projection) --------------------
  const { leads: [top] = [] } = await getJson(client, "/api/leads?limit=1", api);
  const topAtCompletion = top?.score;
  const converged = await waitForProjection(
    `${LEADS} ${STAGE_AFTER} leads at score ${SCORE_AFTER}`,
    (s) => s.leads === LEADS && s.byStage[STAGE_AFTER] === LEADS && s.averageScore === SCORE_AFTER,
  );
  const { leads: [topAfter] = [] } = await getJson(client, "/api/leads?limit=1", api);
  report.projectionAfterRescore = {
    secondsFromPost: secs(performance.now() - t0),
    secondsAfterJobCompleted: secs(converged.ms),
    topScoreAtJobCompletion: topAtCompletion,
    topScore: topAfter?.score,
    stats: converged.value,
  };
  log(
    `projection: all ${LEADS} leads at ${SCORE_AFTER} (warm) ${report.projectionAfterRescore.secondsFromPost}s after the POST, ` +
      `${secs(converged.ms)}s after the job completed; top score ${topAfter?.score}`,
  );
  if (wrongAfter.length) process.exitCode = 1;
} catch (err) {
  log(`failed: ${err.message}`);
  report.error = err.message;
  process.exitCode = 1;
} finally {
  await client?.close();
  await mf?.dispose();
}

// ---- report -----------------------------------------------------------------

const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "-");
const cpus = os.cpus();
console.log(
  `\nleadflare rescore bench — ${report.date}, ${cpus.length} cores (${cpus[0]?.model}), node ${process.version}, ` +
    `commit ${report.source?.commit ?? "?"}${report.source?.dirty ? " (with uncommitted changes)" : ""}\n`,
);
const { ingest: i, projectionAfterIngest: pi, rescore: r, projectionAfterRescore: pr } = report;
const lines = [
  ["leads", `${LEADS} (2 events each)`],
  ["ingest", i && `${f(i.seconds)} s, ${f(i.eventsPerSec, 0)} events/s, p50 ${f(i.p50Ms, 0)} ms, p99 ${f(i.p99Ms, 0)} ms (${i.requests} × ${EVENTS_PER_REQUEST} events, ${CONCURRENCY} at a time)`],
  ["projection after ingest", pi && `all leads ${f(pi.secondsAfterIngest)} s after the last request`],
  ["rescore job", r && `${r.processed}/${r.total} leads in ${f(r.seconds)} s = ${f(r.leadsPerSec)} leads/s (${f(r.secondsPer100Leads, 2)} s per 100 leads; first progress at ${f(r.secondsToFirstPage, 2)} s)`],
  ["projection after rescore", pr && `all leads at ${SCORE_AFTER} ${f(pr.secondsFromPost)} s after the POST (${f(pr.secondsAfterJobCompleted)} s after the job)`],
  ["sample", report.sample && `${report.sample.leads - report.sample.wrongAfter}/${report.sample.leads} leads ${SCORE_BEFORE} → ${SCORE_AFTER}`],
];
const w = Math.max(...lines.map(([k]) => k.length));
for (const [k, v] of lines) console.log(`${k.padEnd(w)}  ${v ?? "-"}`);
if (report.error) console.log(`\nfailed: ${report.error}`);

await mkdir(OUT_DIR, { recursive: true });
await writeFile(path.join(OUT_DIR, "rescore.json"), JSON.stringify(report, null, 2) + "\n");
