// The event archive read back by an existing engine: `wrangler dev` (Miniflare's
// R2) on a fresh local state, events ingested over HTTP, the Parquet files
// listed and downloaded through the archive routes into a temp dir (keeping
// their ns=/date= folders), and queried with DuckDB (@duckdb/node-api).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "../setup/free-port.ts";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV, prepareLocalState, startDev } from "../../scripts/local.mjs";
import { eventually } from "../shared/eventually.ts";

const USERS = 25;
const EVENTS_PER_USER = 12;
const EVENTS = ["Signup", "Pricing Viewed", "Demo Requested"] as const;

let server: Awaited<ReturnType<typeof startDev>>;
let stateDir: string;
let filesDir: string;


beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "leadflare-archive-e2e-"));
  filesDir = mkdtempSync(join(tmpdir(), "leadflare-archive-files-"));
  prepareLocalState(stateDir);
  server = await startDev({
    port: await freePort(),
    persistTo: stateDir,
    stdio: "ignore",
    // The archive on (the default, said anyway), files a second after rows arrive, over four shards, so the test does not wait a minute.
    extraArgs: ["--var", "ARCHIVE_EVENTS:on", "--var", "ARCHIVE_GATHER_MS:1000", "--var", "ARCHIVE_SHARDS:4"],
  });
});

afterAll(() => {
  server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(filesDir, { recursive: true, force: true });
});

const apiHeaders = { Authorization: `Bearer ${DEV.apiKey}` };

/** Downloads every listed archive file of today into filesDir (ns=…/date=…/file), answers their keys. */
async function downloadAll(): Promise<string[]> {
  const res = await fetch(`${server.url}/api/archive/files`, { headers: apiHeaders });
  expect(res.status).toBe(200);
  const { files } = (await res.json()) as { files: { key: string }[] };
  rmSync(filesDir, { recursive: true, force: true });
  for (const { key } of files) {
    const file = await fetch(`${server.url}/api/archive/files/${key}`, { headers: apiHeaders });
    expect(file.status).toBe(200);
    const path = join(filesDir, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.from(await file.arrayBuffer()));
  }
  return files.map((f) => f.key);
}

async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
  } finally {
    connection.closeSync();
  }
}

describe("the event archive, read back with DuckDB", () => {
  it("holds every ingested event once, with its fields, in Parquet files partitioned by namespace and day", async () => {
    const start = Date.now();
    const batch = [];
    for (let u = 0; u < USERS; u++) {
      for (let e = 0; e < EVENTS_PER_USER; e++) {
        batch.push({
          type: "track",
          userId: `duck-${u}`,
          event: EVENTS[e % EVENTS.length],
          messageId: `duck-${u}-${e}`,
          timestamp: new Date(start - (EVENTS_PER_USER - e) * 1000).toISOString(),
          properties: { plan: u % 2 === 0 ? "pro" : "free", step: e },
        });
      }
    }
    for (let i = 0; i < batch.length; i += 100) {
      const res = await fetch(`${server.url}/v1/batch`, {
        method: "POST",
        headers: { Authorization: `Basic ${btoa(`${DEV.writeKey}:`)}`, "Content-Type": "application/json" },
        body: JSON.stringify({ batch: batch.slice(i, i + 100) }),
      });
      expect(res.status).toBe(200);
    }
    const glob = `'${filesDir}/**/*.parquet'`;

    const keys = await eventually(async () => {
      const listed = await downloadAll();
      expect(listed.length).toBeGreaterThan(0);
      const [{ n }] = await query<{ n: string }>(`SELECT count(*) AS n FROM read_parquet(${glob}) WHERE kind = 'event'`);
      expect(Number(n)).toBe(USERS * EVENTS_PER_USER);
      return listed;
    }, 90_000, 1_000);
    // Batched: each of the 4 shards writes at most one file per ARCHIVE_GATHER_MS (1 s here) while rows come, so a
    // few files for 300 events, not one per event; a few more only when the rows took longer to come (a busy machine).
    expect(keys.length).toBeLessThanOrEqual(4 * (1 + Math.floor((Date.now() - start) / 1000)));
    expect(keys.length).toBeLessThan(USERS * EVENTS_PER_USER);

    // Once each, every messageId that was sent.
    const [ids] = await query<{ rows: string; distinct_ids: string; users: string }>(
      `SELECT count(*) AS rows, count(DISTINCT message_id) AS distinct_ids, count(DISTINCT user_id) AS users FROM read_parquet(${glob}) WHERE kind = 'event'`,
    );
    expect(ids).toEqual({ rows: String(USERS * EVENTS_PER_USER), distinct_ids: String(USERS * EVENTS_PER_USER), users: String(USERS) });

    // Per event name and plan, as ingested (properties read with DuckDB's JSON functions).
    const byEvent = await query<{ event: string; plan: string; n: string }>(
      `SELECT event, json_extract_string(properties, '$.plan') AS plan, count(*) AS n FROM read_parquet(${glob}) WHERE kind = 'event' GROUP BY ALL ORDER BY event, plan`,
    );
    const expected = new Map<string, number>();
    for (const e of batch) expected.set(`${e.event}|${e.properties.plan}`, (expected.get(`${e.event}|${e.properties.plan}`) ?? 0) + 1);
    expect(byEvent.map((r) => [`${r.event}|${r.plan}`, Number(r.n)])).toEqual([...expected].sort(([a], [b]) => (a < b ? -1 : 1)));

    // Fields of one row: timestamp, type, namespace and day columns from the folder names (Hive partitioning).
    const [row] = await query<Record<string, string>>(
      `SELECT type, event, user_id, epoch_ms(timestamp) AS at, json_extract(properties, '$.step')::INT AS step, ns, date::VARCHAR AS date, lead_id, namespace_id = ns AS ns_matches
       FROM read_parquet(${glob}, hive_partitioning = true) WHERE message_id = 'duck-7-4'`,
    );
    const sent = batch.find((e) => e.messageId === "duck-7-4")!;
    expect(row).toMatchObject({ type: "track", event: sent.event, user_id: "duck-7", at: String(Date.parse(sent.timestamp)), step: 4, ns_matches: true });
    // Filed under the day it was archived.
    expect([new Date(start).toISOString().slice(0, 10), new Date().toISOString().slice(0, 10)]).toContain(row!.date);
    expect(row!.lead_id).toMatch(/^[0-9a-f]{64}$/);

    // Each event row carries its lead's score and stage as the lead handed it over (score changes are not rows of their own).
    const scores = await query<{ leads: string; scored: string; changes: string }>(
      `SELECT count(DISTINCT lead_id) AS leads, count(*) FILTER (WHERE score > 0 AND stage IS NOT NULL) AS scored, count(*) FILTER (WHERE kind = 'change') AS changes FROM read_parquet(${glob})`,
    );
    expect(Number(scores[0]!.leads)).toBe(USERS);
    expect(Number(scores[0]!.scored)).toBeGreaterThan(0);
    expect(Number(scores[0]!.changes)).toBe(0);
  });
});
