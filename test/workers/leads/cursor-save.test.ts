import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { apiSend, eventually, leadByUserId, newTenant, send, type Tenant } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";
import { leadStub } from "../../../src/leads/lead-stub";
import { readParquet } from "../../../src/archive/parquet";
import { ARCHIVE_CURSOR_SAVE_ROWS } from "../../../durable/lead-archive";
import { shardOf } from "../../../src/destinations/shards";

/*
 * A lead's delivery and archive cursors move on every confirmation but are
 * not written each time (durable/lead-meta.ts): the delivery cursor at most
 * once per CURSOR_SAVE_SECONDS, the archive cursor once it is
 * ARCHIVE_CURSOR_SAVE_ROWS past its saved value. Losing the unsaved move to
 * an eviction loses nothing and sends nothing twice.
 */

let restore: (() => void) | undefined;
afterEach(() => restore?.());

/** Sets vars for one test (the objects share the suite's env); afterEach puts them back. */
function setVars(vars: Partial<Record<"CURSOR_SAVE_SECONDS" | "ARCHIVE_SHARDS" | "ARCHIVE_SHARDS_PREVIOUS", string>>): void {
  const e = env as unknown as Record<string, string>;
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, e[k]!]));
  const earlier = restore;
  restore = () => {
    Object.assign(e, before);
    restore = undefined;
    earlier?.();
  };
  Object.assign(e, vars);
}

const saveEvery = (seconds: number) => setVars({ CURSOR_SAVE_SECONDS: String(seconds) });

/** The cursors as stored (what a fresh activation would start from), and the log's top seq. */
async function stored(leadId: string): Promise<{ delivery: number; archive: number; top: number }> {
  return runInDurableObject(leadStub(env, leadId), async (_, state) => {
    const meta = Object.fromEntries(state.storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta").toArray().map((r) => [r.key, r.value]));
    const top = state.storage.sql.exec<{ top: number }>("SELECT coalesce(max(seq), 0) AS top FROM events").one().top;
    return { delivery: meta.delivery_cursor ? JSON.parse(meta.delivery_cursor).upto : 0, archive: Number(meta.archive_cursor ?? 0), top };
  });
}

async function archivedMessageIds(t: Tenant): Promise<string[]> {
  const ids: string[] = [];
  for (const o of (await env.ARCHIVE.list({ prefix: `ns=${t.namespaceId}/` })).objects.filter((o) => o.key.endsWith(".parquet"))) {
    ids.push(...(await readParquet(await (await env.ARCHIVE.get(o.key))!.arrayBuffer())).map((r) => r.message_id));
  }
  return ids;
}

async function hookedTo(t: Tenant) {
  const hook = webhookReceiver();
  const uninstall = installFakes(hook);
  const res = await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { hook, uninstall };
}

const track = (userId: string, messageId: string) => ({ type: "track", userId, event: "Viewed", messageId, timestamp: new Date().toISOString() });
const hookIds = (hook: ReturnType<typeof webhookReceiver>) => hook.requests.map((r) => JSON.parse(r.body)).filter((b) => b.type === "event").map((b) => b.messageId as string);

describe("a lead's cursors, saved once per interval", () => {
  it("confirms batch after batch without a row for each, and saves the cursors once the interval is up", async () => {
    saveEvery(600);
    const t = await newTenant();
    const { hook, uninstall } = await hookedTo(t);
    try {
      // Four batches one after another: each event waits until the one before is delivered.
      for (let i = 0; i < 4; i++) {
        expect((await send(t, "/v1/track", track("saver", `save-${i}`))).status).toBe(200);
        await eventually(() => Promise.resolve(expect(hookIds(hook)).toContain(`save-${i}`)), 30_000, 100);
      }
      await eventually(async () => expect((await archivedMessageIds(t)).sort()).toEqual(["save-0", "save-1", "save-2", "save-3"]), 30_000, 250);
      const lead = await leadByUserId(t, "saver");
      // Every move confirmed, none written yet.
      expect(await stored(lead.id)).toEqual({ delivery: 0, archive: 0, top: 4 });

      saveEvery(1);
      expect((await send(t, "/v1/track", track("saver", "save-4"))).status).toBe(200);
      // The delivery cursor is saved; the archive cursor, 5 rows past its saved value, stays in memory.
      await eventually(async () => expect(await stored(lead.id)).toEqual({ delivery: 5, archive: 0, top: 5 }), 30_000, 250);
      expect(hookIds(hook)).toEqual(["save-0", "save-1", "save-2", "save-3", "save-4"]);
      await eventually(async () => expect((await archivedMessageIds(t)).sort()).toEqual(["save-0", "save-1", "save-2", "save-3", "save-4"]), 30_000, 250);
    } finally {
      uninstall();
    }
  }, 90_000);

  it("loses nothing and sends nothing twice when the lead is evicted before it saved", async () => {
    // Longer than the test: the moves are never saved before the eviction.
    saveEvery(600);
    const t = await newTenant();
    const { hook, uninstall } = await hookedTo(t);
    try {
      expect((await send(t, "/v1/batch", { batch: [0, 1, 2].map((i) => track("evicted", `ev-${i}`)) })).status).toBe(200);
      await eventually(() => Promise.resolve(expect(hookIds(hook).sort()).toEqual(["ev-0", "ev-1", "ev-2"])), 30_000, 100);
      const lead = await leadByUserId(t, "evicted");
      await eventually(async () => expect((await archivedMessageIds(t)).sort()).toEqual(["ev-0", "ev-1", "ev-2"]), 30_000, 250);
      // Delivered and archived, neither move saved.
      expect(await stored(lead.id)).toEqual({ delivery: 0, archive: 0, top: 3 });

      await evictDurableObject(leadStub(env, lead.id));
      expect((await send(t, "/v1/track", track("evicted", "ev-3"))).status).toBe(200);
      // The fresh activation hands its rows over again from the saved cursors; the shards recognise the first three.
      await eventually(() => Promise.resolve(expect(hookIds(hook)).toContain("ev-3")), 30_000, 100);
      await eventually(async () => expect((await archivedMessageIds(t)).sort()).toEqual(["ev-0", "ev-1", "ev-2", "ev-3"]), 30_000, 250);
      // Give a duplicate, if one were coming, time to arrive.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(hookIds(hook).sort()).toEqual(["ev-0", "ev-1", "ev-2", "ev-3"]);
      expect((await archivedMessageIds(t)).sort()).toEqual(["ev-0", "ev-1", "ev-2", "ev-3"]);

      // The moves are saved once the interval is short again and a confirmation comes.
      saveEvery(1);
      expect((await send(t, "/v1/track", track("evicted", "ev-4"))).status).toBe(200);
      await eventually(async () => expect(await stored(lead.id)).toEqual({ delivery: 5, archive: 0, top: 5 }), 30_000, 250);
      expect(hookIds(hook).sort()).toEqual(["ev-0", "ev-1", "ev-2", "ev-3", "ev-4"]);
      await eventually(async () => expect((await archivedMessageIds(t)).sort()).toEqual(["ev-0", "ev-1", "ev-2", "ev-3", "ev-4"]), 30_000, 250);
    } finally {
      uninstall();
    }
  }, 120_000);

  it("writes the archive cursor once it is far enough past the saved one", async () => {
    const t = await newTenant();
    const events = ARCHIVE_CURSOR_SAVE_ROWS + 10;
    const batch = Array.from({ length: events }, (_, i) => track("far", `far-${i}`));
    expect((await send(t, "/v1/batch", { batch })).status).toBe(200);
    const lead = await eventually(() => leadByUserId(t, "far"), 30_000, 250);
    await eventually(async () => expect((await stored(lead.id)).archive).toBe(events), 30_000, 250);
    expect((await archivedMessageIds(t)).length).toBe(events);
  }, 60_000);

  it("after ARCHIVE_SHARDS changes, a moved lead asks its old shard how far it was filed (ARCHIVE_SHARDS_PREVIOUS): nothing filed twice", async () => {
    const t = await newTenant();
    const users = Array.from({ length: 8 }, (_, i) => `mover-${i}`);
    expect((await send(t, "/v1/batch", { batch: users.flatMap((u) => [track(u, `${u}-a`), track(u, `${u}-b`)]) })).status).toBe(200);
    await eventually(async () => expect((await archivedMessageIds(t)).length).toBe(users.length * 2), 30_000, 250);
    const leads = await Promise.all(users.map((u) => leadByUserId(t, u)));
    // Filed, and the progress only in memory: a fresh activation starts from 0.
    for (const lead of leads) expect((await stored(lead.id)).archive).toBe(0);
    const before = Number(env.ARCHIVE_SHARDS);
    const after = before - 1;
    const moved = leads.filter((lead) => shardOf(lead.id, before) !== shardOf(lead.id, after));
    expect(moved.length).toBeGreaterThan(0);
    for (const lead of leads) await evictDurableObject(leadStub(env, lead.id));

    // (Without ARCHIVE_SHARDS_PREVIOUS the moved leads' first rows are filed a second time by their new shards.)
    setVars({ ARCHIVE_SHARDS: String(after), ARCHIVE_SHARDS_PREVIOUS: String(before) });
    expect((await send(t, "/v1/batch", { batch: users.map((u) => track(u, `${u}-c`)) })).status).toBe(200);
    await eventually(async () => expect((await archivedMessageIds(t)).length).toBeGreaterThanOrEqual(users.length * 3), 30_000, 250);
    // Another file's time for a duplicate, if one were coming.
    await new Promise((r) => setTimeout(r, Number(env.ARCHIVE_GATHER_MS) + 1_000));
    const ids = await archivedMessageIds(t);
    expect(ids.sort()).toEqual(users.flatMap((u) => [`${u}-a`, `${u}-b`, `${u}-c`]).sort());
    // The moved leads learnt their old shard's progress and saved it.
    for (const lead of moved) expect((await stored(lead.id)).archive).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it("still sends a change made after an eviction lost the unsaved cursor (the change made again from the saved one is new, not a duplicate)", async () => {
    saveEvery(600);
    const t = await newTenant();
    const hook = webhookReceiver();
    const uninstall = installFakes(hook);
    try {
      const res = await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in", changes: true } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const changes = () => hook.requests.map((r) => JSON.parse(r.body)).filter((b) => b.type === "change");
      expect((await send(t, "/v1/track", { ...track("mover", "chg-0"), event: "Signup" })).status).toBe(200);
      await eventually(() => Promise.resolve(expect(changes().length).toBe(1)), 30_000, 100);
      const lead = await leadByUserId(t, "mover");
      await evictDurableObject(leadStub(env, lead.id));

      expect((await send(t, "/v1/track", { ...track("mover", "chg-1"), event: "Demo Request" })).status).toBe(200);
      const now = await eventually(async () => {
        const current = await leadByUserId(t, "mover");
        expect(current.score).toBeGreaterThan(changes()[0].change.after.score);
        return current;
      }, 30_000, 250);
      await eventually(() => Promise.resolve(expect(changes().at(-1)?.change.after.score).toBe(now.score)), 30_000, 100);
      // Each change once: the first, and the one to where the lead is now.
      expect(new Set(changes().map((c) => c.messageId)).size).toBe(changes().length);
      expect(hookIds(hook).sort()).toEqual(["chg-0", "chg-1"]);
    } finally {
      uninstall();
    }
  }, 90_000);
});
