import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { api, apiSend, eventually, leadByUserId, newTenant, send, type Tenant } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { mixpanelFake, webhookReceiver } from "../../fakes/services";
import { allShards, shardCount, shardForLead, shardOf } from "../../../src/destinations/shards";
import type { DeliveryItem } from "../../../src/destinations/types";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

async function addDestination(t: Tenant, body: unknown) {
  const res = await apiSend(t, "POST", "/api/destinations", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.destination as { id: string; type: "webhook" | "mixpanel"; updatedAt: number };
}

async function deliveries(t: Tenant, id: string, status?: string) {
  return (await api(t, `/api/destinations/${id}/deliveries${status ? `?status=${status}` : ""}`)).body;
}

async function shardStats(destination: { id: string; type: "webhook" | "mixpanel" }) {
  const all = await Promise.all(allShards(env, destination).map((s) => s.stats()));
  const sum = (key: keyof (typeof all)[number]) => all.reduce((n, s) => n + s[key], 0);
  return { rowsWritten: sum("rowsWritten"), accepted: sum("accepted"), rounds: sum("rounds"), kept: sum("kept") };
}

function item(leadId: string, messageId: string): DeliveryItem {
  return {
    messageId,
    kind: "event",
    lead: { id: leadId, userId: leadId, email: `${leadId}@example.com`, score: 0, stage: "cold" } as DeliveryItem["lead"],
    event: { type: "track", event: "Viewed", messageId, userId: leadId, timestamp: new Date(0).toISOString() },
  };
}

const hookIds = (hook: ReturnType<typeof webhookReceiver>) => hook.requests.map((r) => JSON.parse(r.body)).filter((b) => b.type === "event").map((b) => b.messageId as string);

describe("rows a delivery shard writes", () => {
  it("writes at most 0.2 SQLite rows per item and destination when every call succeeds (a webhook and a batch API)", async () => {
    const hook = webhookReceiver();
    const mixpanel = mixpanelFake();
    uninstall = installFakes(hook, mixpanel);
    const t = await newTenant();
    const webhook = await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    const mp = await addDestination(t, { name: "mp", type: "mixpanel", config: { token: "mp-token", apiSecret: "mp-secret" } });
    // Leads picked ten to a shard, so that a wave (one event a lead) is eight calls a webhook shard (sixteen when a lead sends two waves in one batch): within its
    // share of the pace (50 calls/s over 4 shards, 12 a shard), so every call goes out in its round.
    const PER_SHARD = 8;
    const WAVES = 12;
    const candidates = Array.from({ length: 100 }, (_, i) => `rw-${i}`);
    expect((await send(t, "/v1/batch", { batch: candidates.map((userId) => ({ type: "identify", userId, traits: { plan: "pro" } })) })).status).toBe(200);
    await eventually(() => Promise.resolve(expect(hook.requests.length).toBeGreaterThanOrEqual(candidates.length)), 60_000, 250);
    const byShard = new Map<number, string[]>();
    for (const userId of candidates) {
      const shard = shardOf((await leadByUserId(t, userId)).id, shardCount(env, "webhook"));
      byShard.set(shard, [...(byShard.get(shard) ?? []), userId]);
    }
    const leads = [...byShard.values()].flatMap((ids) => ids.slice(0, PER_SHARD));
    expect(leads).toHaveLength(PER_SHARD * shardCount(env, "webhook"));
    await new Promise((r) => setTimeout(r, 2_000));
    const before = [await shardStats(webhook), await shardStats(mp)];
    const hookBefore = hookIds(hook).length;
    // The deployed gather time (the suite's 0.5 s splits a wave whose leads' batches leave over more than that).
    const gather = env.DELIVERY_GATHER_MS;
    (env as { DELIVERY_GATHER_MS: string }).DELIVERY_GATHER_MS = "1000";
    const mpBefore = mixpanel.events.length;
    const EVENTS = WAVES * leads.length;
    try {
      for (let wave = 0; wave < WAVES; wave++) {
        const batch = leads.map((userId) => ({ type: "track", userId, event: "Viewed", messageId: `${userId}-${wave}`, timestamp: new Date(Date.now() - 1000 + wave).toISOString() }));
        expect((await send(t, "/v1/batch", { batch })).status).toBe(200);
        await new Promise((r) => setTimeout(r, 2_000));
      }
      await eventually(() => Promise.resolve(expect(hookIds(hook).length - hookBefore).toBe(EVENTS)), 60_000, 250);
      await eventually(() => Promise.resolve(expect(mixpanel.events.length - mpBefore).toBeGreaterThanOrEqual(EVENTS)), 60_000, 250);
      // Let the shards' alarms (if any) settle.
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      (env as { DELIVERY_GATHER_MS: string }).DELIVERY_GATHER_MS = gather;
    }
    const stats = [await shardStats(webhook), await shardStats(mp)].map((s, i) => ({
      rowsWritten: s.rowsWritten - before[i]!.rowsWritten,
      accepted: s.accepted - before[i]!.accepted,
      rounds: s.rounds - before[i]!.rounds,
      kept: s.kept - before[i]!.kept,
    }));
    const rows = stats.reduce((n, s) => n + s.rowsWritten, 0);
    const items = stats.reduce((n, s) => n + s.accepted, 0);
    console.log(`delivery shards: ${rows} SQLite rows written for ${items} items over 2 destinations (${(rows / items).toFixed(3)} per item and destination); rounds and rows kept: ${JSON.stringify(stats)}`);
    expect(items).toBeGreaterThanOrEqual(2 * EVENTS);
    expect(rows / items).toBeLessThanOrEqual(0.2);
    expect(new Set(hookIds(hook)).size).toBe(hookIds(hook).length);
    // The log still shows what went out.
    expect((await deliveries(t, webhook.id)).counts.delivered).toBe(stats[0]!.accepted + before[0]!.accepted);
  }, 120_000);

  it("does not send a batch handed over again (at once, or after it went out)", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const webhook = await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    const shard = shardForLead(env, webhook, "again-1");
    const items = [0, 1, 2].map((i) => item("again-1", `again-${i}`));
    const first = await Promise.all([shard.accept(t.namespaceId, webhook.id, "again-1", items, webhook.updatedAt), shard.accept(t.namespaceId, webhook.id, "again-1", items, webhook.updatedAt)]);
    expect(first[0] + first[1]).toBe(3);
    expect(hookIds(hook)).toEqual(["again-0", "again-1", "again-2"]);
    // A redelivery after a partial failure: the old items again, and one new.
    expect(await shard.accept(t.namespaceId, webhook.id, "again-1", [...items, item("again-1", "again-3")], webhook.updatedAt)).toBe(1);
    expect(hookIds(hook)).toEqual(["again-0", "again-1", "again-2", "again-3"]);
    expect((await deliveries(t, webhook.id)).counts).toEqual({ delivered: 4 });
  });

  it("owns what failed when accept returns: retries in order, dead-letters a refusal, and replays it", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const webhook = await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    const shard = shardForLead(env, webhook, "fail-1");
    hook.failNext(2, { status: 503, headers: { "Retry-After": "0" } });
    expect(await shard.accept(t.namespaceId, webhook.id, "fail-1", [0, 1].map((i) => item("fail-1", `fail-${i}`)), webhook.updatedAt)).toBe(2);
    // Behind its lead's waiting items, a later item waits too, and goes out after them.
    expect(await shard.accept(t.namespaceId, webhook.id, "fail-1", [item("fail-1", "fail-2")], webhook.updatedAt)).toBe(1);
    await eventually(async () => expect((await deliveries(t, webhook.id)).counts).toEqual({ delivered: 3 }), 30_000);
    expect(hookIds(hook)).toEqual(["fail-0", "fail-1", "fail-2"]);
    expect((await deliveries(t, webhook.id)).deliveries.find((r: any) => r.messageId === "fail-0").attempts).toBe(3);

    hook.failNext(1, { status: 422, body: "unprocessable" });
    await shard.accept(t.namespaceId, webhook.id, "fail-1", [item("fail-1", "fail-3")], webhook.updatedAt);
    expect((await deliveries(t, webhook.id)).counts).toEqual({ delivered: 3, dead: 1 });
    expect((await deliveries(t, webhook.id, "dead")).deliveries[0]).toMatchObject({ messageId: "fail-3", attempts: 1, lastStatus: 422 });
    // Handed over again, a dead letter is not sent again.
    expect(await shard.accept(t.namespaceId, webhook.id, "fail-1", [item("fail-1", "fail-3")], webhook.updatedAt)).toBe(0);
    expect((await apiSend(t, "POST", `/api/destinations/${webhook.id}/replay`)).body).toEqual({ replaying: 1 });
    await eventually(async () => expect((await deliveries(t, webhook.id)).counts).toEqual({ delivered: 4 }));
    expect(hookIds(hook)).toEqual(["fail-0", "fail-1", "fail-2", "fail-3"]);
  }, 60_000);

  it("remembers what it delivered across a restart (from the log's ring), and erasure takes a lead out of the ring", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const webhook = await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    // Two leads of one shard.
    const shardOfLead = (id: string) => shardOf(id, shardCount(env, "webhook"));
    const leads = Array.from({ length: 40 }, (_, i) => `ring-${i}`);
    const [a, b] = leads.filter((id) => shardOfLead(id) === shardOfLead(leads[0]!));
    const shard = shardForLead(env, webhook, a!);
    await Promise.all([
      shard.accept(t.namespaceId, webhook.id, a!, [item(a!, "ra-0"), item(a!, "ra-1")], webhook.updatedAt),
      shard.accept(t.namespaceId, webhook.id, b!, [item(b!, "rb-0")], webhook.updatedAt),
    ]);
    expect(hookIds(hook).sort()).toEqual(["ra-0", "ra-1", "rb-0"]);
    await evictDurableObject(shard);
    expect(await shard.accept(t.namespaceId, webhook.id, a!, [item(a!, "ra-0"), item(a!, "ra-1")], webhook.updatedAt)).toBe(0);
    expect(hookIds(hook)).toHaveLength(3);
    expect((await shard.deliveriesOf(webhook.id, [a!])).map((r) => [r.messageId, r.status, r.event])).toEqual([
      ["ra-0", "delivered", "Viewed"],
      ["ra-1", "delivered", "Viewed"],
    ]);

    await shard.forgetLeads([a!]);
    expect(await shard.deliveriesOf(webhook.id, [a!])).toEqual([]);
    expect((await shard.list(webhook.id, undefined, 100)).map((r) => r.messageId)).toEqual(["rb-0"]);
    expect(await shard.counts()).toEqual({ delivered: 1 });
  });
});
