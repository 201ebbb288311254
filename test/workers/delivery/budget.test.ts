import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { api, apiSend, eventually, interceptStubs, newTenant, send } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { hubspotFake, mixpanelFake, segmentFake } from "../../fakes/services";

let uninstall: (() => void) | undefined;
let restoreDb: (() => void) | undefined;
let restoreShards: (() => void) | undefined;
afterEach(() => {
  uninstall?.();
  restoreDb?.();
  restoreShards?.();
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
 * Counts the outboxes' hand-overs to delivery shards (`take`), per shard and
 * the shards each lead's items for a destination went to (the lead objects
 * share this isolate's env).
 */
function countHandOvers(): { byShard: Map<string, number>; shardsOf: Map<string, Set<string>> } {
  const byShard = new Map<string, number>();
  const shardsOf = new Map<string, Set<string>>();
  const real = env.DELIVERY;
  const counted = interceptStubs(real, "take", (name, args, take) => {
    const [, destinationId, leadId] = args;
    byShard.set(name, (byShard.get(name) ?? 0) + 1);
    shardsOf.set(`${leadId} → ${destinationId}`, (shardsOf.get(`${leadId} → ${destinationId}`) ?? new Set()).add(name));
    return take();
  });
  (env as { DELIVERY: Env["DELIVERY"] }).DELIVERY = counted;
  restoreShards = () => ((env as { DELIVERY: Env["DELIVERY"] }).DELIVERY = real);
  return { byShard, shardsOf };
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
    const handOvers = countHandOvers();
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
    restoreShards?.();

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
    // The leads hand their batches to the shards themselves, at most one hand-over per event and destination,
    // spread over each destination's shards (4 in tests) by lead id, a lead's items always to the same shard.
    const batches = total(handOvers.byShard);
    console.log(`delivery shards: ${batches} hand-overs, ${JSON.stringify(Object.fromEntries(handOvers.byShard))}`);
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThanOrEqual(events * 3);
    expect(handOvers.byShard.size).toBeGreaterThanOrEqual(9);
    for (const [leadToDestination, shards] of handOvers.shardsOf) expect([...shards], leadToDestination).toHaveLength(1);
    for (const [name, n] of Object.entries(used)) {
      expect(n, name).toBeGreaterThan(0);
      expect(perEvent(n), name).toBeLessThanOrEqual(1 / 50);
    }
  }, 120_000);
});
