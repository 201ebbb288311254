import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { api, apiSend, eventually, leadByUserId, newTenant, send, type Tenant } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";
import { shardForLead } from "../../../src/destinations/shards";
import type { DeliveryItem } from "../../../src/destinations/types";
import { leadObjectName } from "../../../src/ingest/lead-name";
import { leadStub } from "../../../src/leads/lead-stub";
import type { DeliveryObject } from "../../../durable/delivery-object";
import type { LeadObject } from "../../../durable/lead-object";
import type { Outbox } from "../../../durable/outbox";

/*
 * A lead hands its outbox batches to its destinations' delivery shards
 * itself (durable/outbox.ts, src/delivery/hand-over.ts): a shard answers at
 * once and tells the lead `destinationTook` when its round owns the items;
 * no queue message stands between an event and its destinations.
 */

let restore: (() => void) | undefined;
let uninstall: (() => void) | undefined;
afterEach(() => {
  uninstall?.();
  restore?.();
});

/** Sets vars for one test (the objects share the suite's env); afterEach puts them back. */
function setVars(vars: Partial<Record<"DELIVERY_GATHER_MS" | "DELIVERY_CONFIRM_TIMEOUT_SECONDS", string>>): void {
  const e = env as unknown as Record<string, string>;
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, e[k]!]));
  restore = () => {
    Object.assign(e, before);
    restore = undefined;
  };
  Object.assign(e, vars);
}

/** Counts the messages sent on the destinations queues while the test runs (the lead objects share this isolate's env). */
function countQueueSends(): Map<string, number> {
  const kinds = new Map<string, number>();
  const e = env as unknown as Record<string, Queue>;
  const bindings = Object.keys(e).filter((k) => /^DESTINATIONS(_\d+)?$/.test(k));
  const real = new Map(bindings.map((b) => [b, e[b]!]));
  for (const [binding, queue] of real) {
    e[binding] = new Proxy(queue, {
      get: (target, key) =>
        key === "send"
          ? (body: { kind: string }, options?: QueueSendOptions) => {
              kinds.set(body.kind, (kinds.get(body.kind) ?? 0) + 1);
              return target.send(body, options);
            }
          : Reflect.get(target, key),
    });
  }
  const earlier = uninstall;
  uninstall = () => {
    for (const [binding, queue] of real) e[binding] = queue;
    earlier?.();
  };
  return kinds;
}

async function hooked(t: Tenant) {
  const hook = webhookReceiver();
  uninstall = installFakes(hook);
  const res = await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { hook, destination: res.body.destination as { id: string; type: "webhook"; updatedAt: number } };
}

const eventIds = (hook: ReturnType<typeof webhookReceiver>) => hook.requests.map((r) => JSON.parse(r.body)).filter((b) => b.type === "event").map((b) => b.messageId as string);
const track = (userId: string, messageId: string) => ({ userId, event: "Viewed", messageId, timestamp: new Date().toISOString() });
const leadIdOf = (t: Tenant, userId: string) => env.LEAD.idFromName(leadObjectName(t.namespaceId, "userId", userId)).toString();
const outboxOf = async (t: Tenant, leadId: string) => (await api(t, `/api/leads/${leadId}/outbox`)).body.outbox;

/**
 * Makes the lead's shard of `destination` lose its first `howMany` rounds (as
 * an eviction before they sent would: it never owned their items); answers
 * how many rounds the shard has started since.
 */
async function loseRounds(destination: { id: string; type: "webhook" }, leadId: string, howMany: number): Promise<() => number> {
  let rounds = 0;
  await runInDurableObject(shardForLead(env, destination, leadId), (instance: DeliveryObject) => {
    const self = instance as unknown as { runRound: (handed: unknown) => Promise<void> };
    const runRound = self.runRound.bind(instance);
    self.runRound = (handed) => (rounds++ < howMany ? Promise.reject(new Error("round lost (test)")) : runRound(handed));
  });
  return () => rounds;
}

function item(leadId: string, messageId: string): DeliveryItem {
  return {
    messageId,
    kind: "event",
    lead: { id: leadId, userId: leadId, email: `${leadId}@example.com`, score: 0, stage: "cold" } as DeliveryItem["lead"],
    event: { type: "track", event: "Viewed", messageId, userId: leadId, timestamp: new Date().toISOString() },
  };
}

describe("a lead hands its batches to the delivery shards itself", () => {
  it("delivers batch after batch in order, each released by the shard's word, with no lead batch on a queue", async () => {
    const t = await newTenant();
    const { hook } = await hooked(t);
    const sends = countQueueSends();
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) {
      sent.push(`h-${i}`);
      expect((await send(t, "/v1/track", track("handed", `h-${i}`))).status).toBe(200);
      // Each in its own batch: the one before is delivered first.
      await eventually(() => Promise.resolve(expect(eventIds(hook)).toEqual(sent)), 30_000);
    }
    const lead = await leadByUserId(t, "handed");
    // Released well within DELIVERY_CONFIRM_TIMEOUT_SECONDS (180 s here): the shard told the lead.
    await eventually(async () => expect(await outboxOf(t, lead.id)).toEqual({ pending: 0, inFlight: null, parked: [] }), 20_000);
    expect(sends.get("lead-batch") ?? 0).toBe(0);
  }, 90_000);

  it("a shard answers at once: pending for items it must send (then tells the lead), owned for items it has", async () => {
    const t = await newTenant();
    const { hook, destination } = await hooked(t);
    const leadId = env.LEAD.newUniqueId().toString();
    const shard = shardForLead(env, destination, leadId);
    const items = [0, 1].map((i) => item(leadId, `take-${i}`));
    expect(await shard.take(t.namespaceId, destination.id, leadId, "batch-1", items, destination.updatedAt)).toBe("pending");
    expect(eventIds(hook)).toEqual([]);
    await eventually(() => Promise.resolve(expect(eventIds(hook)).toEqual(["take-0", "take-1"])));
    expect(await shard.take(t.namespaceId, destination.id, leadId, "batch-1", items, destination.updatedAt)).toBe("owned");
    expect(await shard.take(t.namespaceId, destination.id, leadId, "batch-2", [...items, item(leadId, "take-2")], destination.updatedAt)).toBe("pending");
    await eventually(() => Promise.resolve(expect(eventIds(hook)).toEqual(["take-0", "take-1", "take-2"])));
  });

  it("hands a batch over again when its shard lost the round, and every item arrives once", async () => {
    setVars({ DELIVERY_CONFIRM_TIMEOUT_SECONDS: "4" });
    const t = await newTenant();
    const { hook, destination } = await hooked(t);
    const leadId = leadIdOf(t, "lost");
    const rounds = await loseRounds(destination, leadId, 1);
    expect((await send(t, "/v1/batch", { batch: [0, 1, 2].map((i) => ({ type: "track", ...track("lost", `lost-${i}`) })) })).status).toBe(200);
    await eventually(() => Promise.resolve(expect(rounds()).toBe(1)), 20_000, 50);
    expect(eventIds(hook)).toEqual([]);
    await eventually(() => Promise.resolve(expect(eventIds(hook)).toEqual(["lost-0", "lost-1", "lost-2"])), 30_000);
    await eventually(async () => expect(await outboxOf(t, leadId)).toEqual({ pending: 0, inFlight: null, parked: [] }), 20_000);
    expect(eventIds(hook)).toEqual(["lost-0", "lost-1", "lost-2"]);
    expect(rounds()).toBe(2);
  }, 90_000);

  it("does not wait for the word of a destination deleted meanwhile", async () => {
    setVars({ DELIVERY_CONFIRM_TIMEOUT_SECONDS: "4" });
    const t = await newTenant();
    const { hook, destination } = await hooked(t);
    const leadId = leadIdOf(t, "orphan");
    const rounds = await loseRounds(destination, leadId, Infinity);
    expect((await send(t, "/v1/track", track("orphan", "orphan-0"))).status).toBe(200);
    await eventually(() => Promise.resolve(expect(rounds()).toBe(1)), 20_000, 50);
    expect((await apiSend(t, "DELETE", `/api/destinations/${destination.id}`)).status).toBe(200);
    // Handed over again after the timeout to the destinations there are (none): the batch is done, not parked.
    await eventually(async () => expect(await outboxOf(t, leadId)).toEqual({ pending: 0, inFlight: null, parked: [] }), 30_000);
    expect(eventIds(hook)).toEqual([]);
  }, 90_000);

  it("hands a batch over again when the shard's word was lost: the shard answers it owns it, nothing is sent twice", async () => {
    setVars({ DELIVERY_CONFIRM_TIMEOUT_SECONDS: "8" });
    const t = await newTenant();
    const { hook } = await hooked(t);
    const leadId = leadIdOf(t, "unheard");
    let dropped = 0;
    await runInDurableObject(leadStub(env, leadId), (instance: LeadObject) => {
      const outbox = (instance as unknown as { outbox: Outbox }).outbox;
      const took = outbox.took.bind(outbox);
      outbox.took = (batchId, destinationId) => (dropped++ === 0 ? { confirmed: false, more: false } : took(batchId, destinationId));
    });
    expect((await send(t, "/v1/track", track("unheard", "unheard-0"))).status).toBe(200);
    await eventually(() => Promise.resolve(expect(eventIds(hook)).toEqual(["unheard-0"])), 20_000, 50);
    // Not released: the lead waits for the word it did not get.
    expect((await outboxOf(t, leadId)).inFlight).toMatchObject({ sent: true, tries: 1 });
    await eventually(async () => expect(await outboxOf(t, leadId)).toEqual({ pending: 0, inFlight: null, parked: [] }), 30_000);
    expect(dropped).toBe(1);
    expect(eventIds(hook)).toEqual(["unheard-0"]);
  }, 90_000);
});
