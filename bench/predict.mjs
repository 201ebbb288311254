// The predictive score's training, measured: synthetic histories
// (test/workers/predict/generator.ts) turned into examples and trained on by
// src/predict (bundled with esbuild as wrangler bundles it). Prints, per
// size, the holdout figures (model vs rules) and the CPU time of each phase
// per 10,000 leads, and the heap the fit adds (sampled at each page it reads);
// then serving: the CPU of one lead's probability as its summary computes it
// (snapshot of its history as of now + the model), for the generator's leads
// and for one long history.
// Run: node --expose-gc bench/predict.mjs [leads,...] [signal|nosignal]
import { importBundled } from "./import-bundled.mjs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const SIZES = (process.argv[2] ?? "10000").split(",").map(Number);
const SIGNAL = (process.argv[3] ?? "signal") === "signal";
// A fixed clock: the figures do not depend on the day the bench runs.
const NOW = Date.UTC(2026, 0, 1);

const core = await importBundled(path.join(ROOT, "bench/predict/entry.ts"));

const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const fixed = (n, d = 3) => n.toFixed(d);
// Typed arrays (the training matrix) live outside the JS heap: both count against a Worker's 128 MB.
const memory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
// The forced collections are the bench's, not the fit's: their CPU is measured apart and taken off.
const gcMs = (reads) => {
  if (!globalThis.gc) return 0;
  const t = process.cpuUsage();
  const times = Math.ceil(reads / 50);
  for (let i = 0; i < times; i++) globalThis.gc();
  return cpuMs(t);
};

for (const leads of SIZES) {
  // Generated 10,000 leads at a time (each with its own seed) and reduced to examples, as the run's pages are:
  // the fit holds the examples, never the histories.
  let generateMs = 0;
  let examplesMs = 0;
  // Pages of 100 leads' examples, kept as JSON text as the run's D1 rows keep them: the fit parses one at a time.
  const pages = [];
  let pageBuffer = [];
  let exampleCount = 0;
  const plan = core.snapshotPlan(NOW);
  for (let done = 0, seed = 1; done < leads; done += 10_000, seed++) {
    let t = process.cpuUsage();
    const histories = core.syntheticHistories({ leads: Math.min(10_000, leads - done), now: NOW, signal: SIGNAL, seed });
    generateMs += cpuMs(t);
    t = process.cpuUsage();
    histories.forEach((h, i) => {
      for (const e of core.examplesOf(h, core.SYNTHETIC_OUTCOME, plan)) pageBuffer.push(e);
      if (i % 100 === 99 || i === histories.length - 1) {
        exampleCount += pageBuffer.length;
        pages.push(JSON.stringify({ leads: 100, examples: pageBuffer }));
        pageBuffer = [];
      }
    });
    examplesMs += cpuMs(t);
  }
  globalThis.gc?.();
  let heapPeak = 0;
  let heapStart = null;
  // The live heap (after a collection) every 50 pages: what the fit keeps, not the garbage of pages already read.
  let read = 0;
  const source = async function* () {
    for (const text of pages) {
      if (read++ % 50 === 0 && globalThis.gc) {
        globalThis.gc();
        heapStart ??= memory();
        heapPeak = Math.max(heapPeak, memory());
      }
      yield JSON.parse(text).examples;
    }
  };
  const t = process.cpuUsage();
  const outcome = await core.trainModel(source, core.SYNTHETIC_OUTCOME.events, NOW);
  const trainMs = cpuMs(t) - gcMs(read);
  globalThis.gc?.();
  heapPeak = Math.max(heapPeak, memory());
  const storedMb = pages.reduce((n, p) => n + p.length, 0) / 2 ** 20;
  const per10k = (ms) => fixed((ms * 10_000) / leads, 0);
  console.log(`\n${leads} leads (${SIGNAL ? "planted signal" : "no signal"}): ${exampleCount} examples in ${pages.length} pages`);
  console.log(`  CPU ms: generate ${fixed(generateMs, 0)}, examples ${fixed(examplesMs, 0)} (${per10k(examplesMs)} per 10k leads), train ${fixed(trainMs, 0)} (${per10k(trainMs)} per 10k leads)`);
  // The pages' JSON text stands in for D1 here; on the Worker it stays in D1, so the fit's own memory is the growth over it.
  console.log(
    `  memory (JS heap + typed arrays, after a collection): ${fixed(heapStart / 2 ** 20, 1)} MB as the fit starts, holding the pages' text (${fixed(storedMb, 1)} MB, in D1 on a Worker); ` +
      `at most ${fixed(heapPeak / 2 ** 20, 1)} MB during the fit: the fit's own ≤ ${fixed((heapPeak - heapStart) / 2 ** 20, 1)} MB`,
  );
  if (outcome.status !== "trained") {
    console.log(`  no model: ${outcome.reason}`);
    continue;
  }
  const { report } = outcome;
  const m = report.holdout.model;
  console.log(`  training: ${report.training.examples} examples, ${report.training.positives} converters, ${report.training.iterations} Newton steps`);
  console.log(`  holdout: ${m.examples} examples, ${m.positives} converters`);
  console.log(`  model AUC ${fixed(m.auc)}, precision@10% ${fixed(m.precisionAtTop10)}, Brier ${fixed(m.brier, 4)}, calibration error ${fixed(m.calibrationError, 4)}`);
  console.log(`  rules AUC ${fixed(report.holdout.rules.auc)}, precision@10% ${fixed(report.holdout.rules.precisionAtTop10)}`);
  console.log(`  used: ${report.used} (${report.reason})`);
  console.log(`  top weights: ${report.weights.slice(0, 6).map((w) => `${w.feature} ${fixed(w.weight, 2)}`).join(", ")}`);
  serving(outcome.model);
}

/** What a lead's summary adds when its namespace has a model in use: snapshotAt over its history, then predict (durable/lead-prediction.ts). */
function serving(model) {
  const sample = core.syntheticHistories({ leads: 2_000, now: NOW, signal: SIGNAL, seed: 99 });
  const rows = sample.reduce((n, h) => n + h.rows.length, 0);
  let t = process.cpuUsage();
  for (const h of sample) {
    const s = core.snapshotAt(h, NOW);
    if (s) core.predict(model, s);
  }
  const sampleMs = cpuMs(t);
  // One long history: 10,000 rows over the last 100 days (pricing visits, downloads, other pages).
  const keys = ["page:pricing", "download_whitepaper", "page:blog", "page:home"];
  const long = {
    leadId: "long",
    stageChanges: [],
    rows: Array.from({ length: 10_000 }, (_, i) => ({ ts: NOW - (10_000 - i) * 864_000, key: keys[i % keys.length], ruleScore: i % 200, identities: 2 })),
  };
  t = process.cpuUsage();
  for (let i = 0; i < 20; i++) core.predict(model, core.snapshotAt(long, NOW));
  const longMs = cpuMs(t) / 20;
  console.log(
    `  serving CPU per lead summary: ${fixed((sampleMs * 1000) / sample.length, 0)} µs for the generator's leads (${fixed(rows / sample.length, 0)} rows each on average), ` +
      `${fixed(longMs, 2)} ms for a lead of 10,000 rows (not counted: reading and parsing the rows from the lead's SQLite)`,
  );
}
