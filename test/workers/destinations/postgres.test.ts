import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { apiSend, eventually, newTenant } from "../helpers";
import { addDestination, deliveries, sendEvents } from "./warehouse-stream-suite";
import { idsIn, newTable, postgresUrl as url, q } from "./postgres-helpers";
import { DESTINATIONS } from "../../../src/destinations/registry";
import { checkOutboundUrl } from "../../../src/outbound/url-guard";

/**
 * The Postgres destination against a real Postgres: PGlite over TCP, started
 * by test/setup/postgres.ts (helpers in postgres-helpers.ts).
 */
async function setUp(table?: string) {
  const t = await newTenant("pg");
  const name = table ?? (await newTable());
  const destination = await addDestination(t, { name: "pg", type: "postgres", config: { url, table: name, ssl: false } });
  return { t, table: name, destination };
}

describe("Postgres destination (a real Postgres over TCP)", () => {
  it("inserts every event once, in few multi-row INSERTs of at most 1,000 rows", async () => {
    const { t, table, destination } = await setUp();
    const ids = await sendEvents(t, "b", 6, 25);
    await eventually(async () => {
      const stored = new Set(await idsIn(table));
      expect(ids.filter((id) => !stored.has(id))).toEqual([]);
    }, 30_000, 250);
    await eventually(async () => expect(Object.keys((await deliveries(t, destination.id)).counts)).toEqual(["delivered"]), 30_000, 250);
    const calls = await q(`SELECT count(*)::int AS calls, max(inserted)::int AS biggest, sum(inserted)::int AS rows FROM ${table}_calls`);
    const stored = (await q(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n as number;
    expect(calls[0]!.rows).toBe(stored);
    expect(calls[0]!.biggest).toBeLessThanOrEqual(1_000);
    expect(calls[0]!.calls).toBeLessThanOrEqual(Math.ceil(stored / 10));
    const [row] = await q(`SELECT kind, event_type, event_name, properties->>'n' AS n, "timestamp", user_id FROM ${table} WHERE message_id = 'b-2-5'`);
    expect(row).toMatchObject({ kind: "event", event_type: "track", event_name: "Demo Request", n: "5", user_id: "b-u2" });
    expect((row!.timestamp as Date).getTime()).toBeLessThan(Date.now());
  });

  it("retries a transient error (serialization failure, twice), then inserts once", async () => {
    const { t, table, destination } = await setUp();
    await q(`INSERT INTO ${table}_plan VALUES ('40001', 2)`);
    const ids = await sendEvents(t, "r", 1, 3);
    await eventually(async () => expect((await idsIn(table)).filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort()), 30_000, 250);
    await eventually(async () => expect(Object.keys((await deliveries(t, destination.id)).counts)).toEqual(["delivered"]), 30_000, 250);
    const log = (await deliveries(t, destination.id)).deliveries as any[];
    expect(log.find((r) => r.messageId === ids[0])!.attempts).toBe(3);
  });

  it("a missing table is permanent: the items become dead letters", async () => {
    const { t, destination } = await setUp("no_such_table");
    const [id] = await sendEvents(t, "p", 1, 1);
    await eventually(async () => expect((await deliveries(t, destination.id, "dead")).deliveries.map((r: any) => r.messageId)).toContain(id), 30_000, 250);
    const dead = (await deliveries(t, destination.id, "dead")).deliveries.find((r: any) => r.messageId === id);
    expect(dead).toMatchObject({ attempts: 1 });
    expect(dead.lastError).toMatch(/^42P01: relation .*no_such_table.* does not exist/);
  });

  it("a batch sent again (its answer lost) adds nothing: ON CONFLICT (message_id) DO NOTHING", async () => {
    const table = await newTable();
    const lead = { id: "lead-1", score: 10, behaviourScore: 10, icpScore: 0, stage: "warm", grade: "C", velocity: 1, userId: "u1", email: null };
    // Values that would break naive quoting arrive verbatim.
    const hostile = "it's \\'); DROP TABLE x; -- $$ \\x00 ü";
    const items = [0, 1, 2].map((i) => ({ messageId: `again-${i}`, kind: "event" as const, lead, event: { type: "track", event: hostile, properties: { note: hostile }, timestamp: new Date().toISOString() } }));
    const cfg = DESTINATIONS.postgres.config.parse({ url, table, ssl: false });
    const first = await DESTINATIONS.postgres.batch!.deliverMany(items, cfg, { env, timeoutMs: 10_000 });
    const second = await DESTINATIONS.postgres.batch!.deliverMany(items, cfg, { env, timeoutMs: 10_000 });
    expect(first).toMatchObject({ ok: true, body: "inserted 3 of 3 rows" });
    expect(second).toMatchObject({ ok: true, body: "inserted 0 of 3 rows" });
    expect((await idsIn(table)).sort()).toEqual(["again-0", "again-1", "again-2"]);
    const [row] = await q(`SELECT event_name, properties->>'note' AS note FROM ${table} WHERE message_id = 'again-0'`);
    expect(row).toEqual({ event_name: hostile, note: hostile });
  });

  it("config: the password stays out of the url and is write-only; the url goes through the outbound guard", async () => {
    const t = await newTenant("pg");
    const withPassword = await apiSend(t, "POST", "/api/destinations", { name: "pg", type: "postgres", config: { url: "postgres://app:hunter2@db.example.com/analytics" } });
    expect(withPassword.status).toBe(400);
    expect(withPassword.body.error.details.map((d: any) => d.path)).toEqual(["config.url"]);
    const created = await addDestination(t, { name: "pg", type: "postgres", config: { url: "postgres://app@db.example.com:5432/analytics", password: "pg-password-0123456789" } });
    expect(created.config.password).toBe("…6789");
    const production = { allowPrivate: false };
    expect(checkOutboundUrl("postgres://app@db.example.com/analytics", production).ok).toBe(true);
    expect(checkOutboundUrl("postgres://app@10.0.0.5/analytics", production).ok).toBe(false);
    expect(checkOutboundUrl("postgresql://app@169.254.169.254/x", { allowPrivate: true }).ok).toBe(false);
  });
});
