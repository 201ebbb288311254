import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { api, apiSend, eventually, newTenant, send } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { hubspotFake, mixpanelFake, segmentFake } from "../../fakes/services";

let uninstall: (() => void) | undefined;
let restoreDb: (() => void) | undefined;
let restoreQueues: (() => void) | undefined;
afterEach(() => {
  uninstall?.();
  restoreDb?.();
  restoreQueues?.();
});

const LEADS = 40;
const EVENTS_PER_LEAD = 100;

/**
 * Counts the D1 statements everything in this isolate prepares (the Worker,
 * its queue consumers and its Durable Objects share the env), by table and
 * by whether they write.
 */
function countD1(): { writes: Map<string, number>; reads: Map<string, number> } {
  const writes = new Map<string, number>();
  const reads = new Map<string, number>();
  const real = env.DB;
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  (env as { DB: D1Database }).DB = new Proxy(real, {
    get(target, key) {
      if (key === "prepare") {
        return (sql: string) => {
          const write = /^\s*(insert|update|delete|replace)\b/i.exec(sql);
          const table = /\b(?:into|update|from)\s+"?([a-z_]+)"?/i.exec(sql)?.[1] ?? "?";
          bump(write ? writes : reads, table);
          return target.prepare(sql);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  restoreDb = () => ((env as { DB: D1Database }).DB = real);
  return { writes, reads };
}

/**
 * Counts the lead batches the outboxes send, per destinations queue binding
 * and per lead (the lead objects share this isolate's env).
 */
function countDestinationQueues(): { byQueue: Map<string, number>; queuesOfLead: Map<string, Set<string>> } {
  const byQueue = new Map<string, number>();
  const queuesOfLead = new Map<string, Set<string>>();
  const bindings = Object.keys(env).filter((k) => /^DESTINATIONS(_\d+)?$/.test(k));
  const real = new Map(bindings.map((b) => [b, (env as unknown as Record<string, Queue>)[b]!]));
  for (const [binding, queue] of real) {
    (env as unknown as Record<string, Queue>)[binding] = new Proxy(queue, {
      get(target, key) {
        if (key === "send")
          return (body: { kind: string; leadId?: string }, options?: QueueSendOptions) => {
            if (body.kind === "lead-batch" && body.leadId) {
              byQueue.set(binding, (byQueue.get(binding) ?? 0) + 1);
              queuesOfLead.set(body.leadId, (queuesOfLead.get(body.leadId) ?? new Set()).add(binding));
            }
            return target.send(body, options);
          };
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }
  restoreQueues = () => {
    for (const [binding, queue] of real) (env as unknown as Record<string, Queue>)[binding] = queue;
  };
  return { byQueue, queuesOfLead };
}

const total = (map: Map<string, number>, except: string[] = []) => [...map].filter(([table]) => !except.includes(table)).reduce((n, [, c]) => n + c, 0);

describe("per-event budgets of the delivery path", () => {
  it("at steady state: no D1 write per event, and batchable destinations take at most one call per 50 events", async () => {
    const mixpanel = mixpanelFake();
    const hubspot = hubspotFake();
    const segment = segmentFake();
    uninstall = installFakes(mixpanel, hubspot, segment);
    const t = await newTenant();
    for (const body of [
      { name: "mp", type: "mixpanel", config: { token: "mp-token", apiSecret: "mp-secret" } },
      { name: "hs", type: "hubspot", config: { accessToken: "hs-token" } },
      { name: "fwd", type: "segment", config: { writeKey: "other-key", endpoint: "https://segment.fake" } },
    ]) {
      expect((await apiSend(t, "POST", "/api/destinations", body)).status).toBe(201);
    }
    const start = Date.now() - 3_600_000;
    // Warm-up: every lead exists, with its email indexed and enriched, and the first deliveries done.
    const warm = countD1();
    await send(t, "/v1/batch", {
      batch: Array.from({ length: LEADS }, (_, i) => ({ type: "identify", userId: `b${i}`, traits: { email: `b${i}@example.com` }, timestamp: new Date(start).toISOString() })),
    });
    await eventually(() => Promise.resolve(expect(mixpanel.events).toHaveLength(LEADS)), 30_000);
    await eventually(() => Promise.resolve(expect(new Set(hubspot.requests.flatMap((r) => JSON.parse(r.body).inputs.map((i: any) => i.id))).size).toBe(LEADS)), 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    restoreDb?.();

    const d1 = countD1();
    const queues = countDestinationQueues();
    const calls = { mixpanel: mixpanel.requests.length, hubspot: hubspot.requests.length, segment: segment.requests.length };
    const segmentEvents = () => segment.requests.reduce((n, r) => n + JSON.parse(r.body).batch.length, 0);
    const segmentBefore = segmentEvents();
    const events = LEADS * EVENTS_PER_LEAD;
    // Server traffic: batches of 100 events, two leads each.
    for (let n = 0; n < EVENTS_PER_LEAD; n += 50) {
      await Promise.all(
        Array.from({ length: LEADS / 2 }, (_, pair) =>
          send(t, "/v1/batch", {
            batch: [2 * pair, 2 * pair + 1].flatMap((lead) =>
              Array.from({ length: 50 }, (_, k) => ({
                type: "track",
                userId: `b${lead}`,
                event: "Email Opened",
                messageId: `b${lead}-${n + k}`,
                timestamp: new Date(start + (n + k + 1) * 1000).toISOString(),
              })),
            ),
          }),
        ),
      );
    }
    await eventually(() => Promise.resolve(expect(mixpanel.events).toHaveLength(LEADS + events)), 60_000, 250);
    await eventually(() => Promise.resolve(expect(segmentEvents() - segmentBefore).toBe(events)), 60_000, 250);
    const lastScores = () => new Map(hubspot.requests.flatMap((r) => JSON.parse(r.body).inputs.map((i: any) => [i.id, i.properties.lead_score])));
    // Every contact ends with the lead's latest score.
    await eventually(async () => {
      for (let i = 0; i < LEADS; i++) {
        const lead = (await api(t, `/api/leads/lookup?userId=b${i}`)).body.lead;
        expect(lastScores().get(`b${i}@example.com`)).toBe(String(lead.score));
      }
    }, 30_000, 500);
    restoreDb?.();
    restoreQueues?.();

    const perEvent = (n: number) => n / events;
    const used = {
      mixpanel: mixpanel.requests.length - calls.mixpanel,
      hubspot: hubspot.requests.length - calls.hubspot,
      segment: segment.requests.length - calls.segment,
    };
    const deliveryWrites = total(d1.writes, ["lead_projection"]);
    console.log(
      `delivery budget: ${events} events over ${LEADS} leads; D1 writes ${JSON.stringify(Object.fromEntries(d1.writes))} ` +
        `(${perEvent(deliveryWrites)} per event outside the projection); D1 reads ${JSON.stringify(Object.fromEntries(d1.reads))}; ` +
        `calls per event: mixpanel ${perEvent(used.mixpanel).toFixed(4)} (${used.mixpanel}), hubspot ${perEvent(used.hubspot).toFixed(4)} (${used.hubspot}), ` +
        `segment ${perEvent(used.segment).toFixed(4)} (${used.segment})`,
    );
    // The counter sees the delivery objects' queries: they looked up each lead's tombstone when they first
    // had items of it, and remember it (an erasure tells them), so at steady state they read none.
    expect(warm.reads.get("lead_tombstones") ?? 0).toBeGreaterThan(0);
    expect(d1.reads.get("lead_tombstones") ?? 0).toBe(0);
    expect(d1.writes.get("deliveries") ?? 0).toBe(0);
    expect(deliveryWrites).toBe(0);
    // The outboxes' batches spread over the destinations queues by lead id, each lead always on the same queue, at most one batch per event.
    const batches = total(queues.byQueue);
    console.log(`destinations queues: ${batches} lead batches, ${JSON.stringify(Object.fromEntries(queues.byQueue))}`);
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThanOrEqual(events);
    expect(queues.byQueue.size).toBeGreaterThanOrEqual(5);
    for (const [lead, used] of queues.queuesOfLead) expect([...used], lead).toHaveLength(1);
    for (const [name, n] of Object.entries(used)) {
      expect(n, name).toBeGreaterThan(0);
      expect(perEvent(n), name).toBeLessThanOrEqual(1 / 50);
    }
  }, 120_000);
});
