// The archive's file format, measured: 1,000 archived rows (events shaped as
// the SDKs send them, with their score changes) written as Parquet by
// src/archive/parquet.ts (bundled with esbuild for the browser/worker
// condition, as wrangler bundles it) and, for comparison, as NDJSON.gz.
// Prints bytes per 1,000 rows and CPU ms per 1,000 rows (median of rounds).
// Run: node bench/archive.mjs [rows] [rounds]
import { importBundled } from "./import-bundled.mjs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROWS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 15);

const { writeParquet, readParquet } = await importBundled(path.join(ROOT, "src/archive/parquet.ts"));

const EVENTS = ["Page Viewed", "Pricing Viewed", "Signup", "Email Opened", "Demo Requested"];
function rows(n) {
  const start = Date.now();
  const out = [];
  for (let i = 0; i < n; i++) {
    const user = `user-${i % 100}`;
    const leadId = (i % 100).toString(16).padStart(64, "a");
    const change = i % 5 === 4;
    const event = {
      type: "track",
      event: EVENTS[i % EVENTS.length],
      userId: user,
      anonymousId: `anon-${i % 100}-3f2a9c`,
      messageId: `ajs-next-${start}-${i}`,
      timestamp: new Date(start - i * 1000).toISOString(),
      properties: { plan: i % 2 ? "pro" : "free", path: `/pricing/${i % 7}`, referrer: "https://www.google.com/", value: i % 13 },
      context: { ip: "203.0.113.7", userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36", page: { url: `https://example.com/pricing/${i % 7}`, title: "Pricing" }, library: { name: "analytics.js", version: "next-1.72.0" } },
    };
    const snapshot = { id: leadId, score: 40 + (i % 50), behaviourScore: 30, icpScore: 10, stage: "engaged", grade: "B", velocity: 1.5, userId: user, email: `${user}@example.com` };
    out.push({
      namespace_id: "0f6a7d1c-8f2e-4a51-9d2b-5c3e7a1b9f00",
      lead_id: leadId,
      message_id: change ? `change:${leadId}:${i}` : event.messageId,
      kind: change ? "change" : "event",
      type: change ? null : "track",
      event: change ? null : event.event,
      timestamp: start - i * 1000,
      user_id: user,
      anonymous_id: change ? null : event.anonymousId,
      email: `${user}@example.com`,
      score: snapshot.score,
      stage: "engaged",
      score_before: change ? snapshot.score - 5 : null,
      stage_before: change ? "aware" : null,
      properties: change ? null : JSON.stringify(event.properties),
      body: change ? JSON.stringify({ before: { ...snapshot, score: snapshot.score - 5, stage: "aware" }, after: snapshot }) : JSON.stringify(event),
    });
  }
  return out;
}

function cpuMs(work) {
  const before = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000, result };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const data = rows(ROWS);
const json = data.map((r) => JSON.stringify(r)).join("\n") + "\n";
const parquet = [];
const ndjson = [];
let parquetBytes = 0;
let ndjsonBytes = 0;
for (let round = 0; round < ROUNDS; round++) {
  const p = cpuMs(() => writeParquet(data));
  parquet.push(p.ms);
  parquetBytes = p.result.byteLength;
  const g = cpuMs(() => gzipSync(data.map((r) => JSON.stringify(r)).join("\n") + "\n"));
  ndjson.push(g.ms);
  ndjsonBytes = g.result.byteLength;
}
const back = await readParquet(writeParquet(data).buffer);
if (back.length !== ROWS || back[7].message_id !== data[7].message_id) throw new Error("Parquet round trip lost rows");
const per1k = (x) => (x * 1000) / ROWS;
const result = {
  rows: ROWS,
  rawJsonBytesPer1k: Math.round(per1k(Buffer.byteLength(json))),
  parquet: { bytesPer1k: Math.round(per1k(parquetBytes)), cpuMsPer1k: +per1k(median(parquet)).toFixed(2) },
  ndjsonGz: { bytesPer1k: Math.round(per1k(ndjsonBytes)), cpuMsPer1k: +per1k(median(ndjson)).toFixed(2) },
};
console.log(JSON.stringify(result, null, 2));
