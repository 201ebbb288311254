import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { api, apiSend, eventually, newTenant, send } from "../helpers";
import { FakeService, installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const recent = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

/**
 * A destination the API would now refuse but D1 may still hold (created
 * before header validation): a header value with CR/LF, which would make
 * `new Request` throw before anything is sent.
 */
async function insertRawWebhook(namespaceId: string, name: string, config: Record<string, unknown>): Promise<string> {
  const id = crypto.randomUUID();
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO destinations (id, namespace_id, name, type, config, enabled, filters, created_at, updated_at) VALUES (?, ?, ?, 'webhook', ?, 1, '{}', ?, ?)",
  )
    .bind(id, namespaceId, name, JSON.stringify({ timeoutMs: 10_000, changes: false, headers: {}, ...config }), now, now)
    .run();
  return id;
}

function eventIds(fake: FakeService): string[] {
  return fake.requests.map((r) => JSON.parse(r.body)).filter((b) => b.type === "event").map((b) => b.messageId);
}

describe("destinations are independent at delivery", () => {
  it("a destination that throws, one that answers 503 and one that is unreachable never hold up a healthy one", async () => {
    const healthy = webhookReceiver();
    const down = new FakeService("down.customer.fake", () => new Response("unavailable", { status: 503 }));
    const unreachable = new FakeService("gone.customer.fake", () => {
      throw new TypeError("fetch failed: connection refused");
    });
    const throwing = new FakeService("bad.customer.fake");
    uninstall = installFakes(healthy, down, unreachable, throwing);
    const t = await newTenant();
    const bad = await insertRawWebhook(t.namespaceId, "bad headers", { url: "https://bad.customer.fake/in", headers: { "X-A": "v\r\nX-Injected: 1" } });
    const created = await Promise.all(
      [
        ["down", "https://down.customer.fake/in"],
        ["gone", "https://gone.customer.fake/in"],
        ["healthy", "https://hooks.customer.fake/in"],
      ].map(([name, url]) => apiSend(t, "POST", "/api/destinations", { name, type: "webhook", config: { url } })),
    );
    const [downId, goneId, healthyId] = created.map((c) => c.body.destination.id as string);

    const sent: string[] = [];
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        ["i0", "i1", "i2", "i3"].map((userId) => {
          const batch = [0, 1].map((k) => {
            const messageId = `${userId}-${round * 2 + k}`;
            sent.push(messageId);
            return { type: "track", userId, event: "Signup", messageId, timestamp: recent(60 - round * 2 - k) };
          });
          return send(t, "/v1/batch", { batch });
        }),
      );
    }

    // The healthy destination gets everything, in order per lead, while the others keep failing.
    await eventually(() => Promise.resolve(expect([...eventIds(healthy)].sort()).toEqual([...sent].sort())), 30_000);
    for (const userId of ["i0", "i1", "i2", "i3"]) {
      expect(eventIds(healthy).filter((id) => id.startsWith(`${userId}-`))).toEqual([0, 1, 2, 3, 4, 5].map((n) => `${userId}-${n}`));
    }
    expect((await api(t, `/api/destinations/${healthyId}/deliveries`)).body.counts).toEqual({ delivered: sent.length });

    // The broken one: its stored headers no longer pass the config check, so
    // it cannot filter and every item it is handed (events and changes) is a
    // dead letter naming the config; nothing sent, nothing thrown out of the consumer.
    const deadEvents = async () =>
      ((await api(t, `/api/destinations/${bad}/deliveries?status=dead&limit=100`)).body.deliveries as any[]).filter((d) => sent.includes(d.messageId));
    await eventually(async () => expect((await deadEvents()).map((d) => d.messageId).sort()).toEqual([...sent].sort()));
    expect(Object.keys((await api(t, `/api/destinations/${bad}/deliveries`)).body.counts)).toEqual(["dead"]);
    expect((await deadEvents())[0].lastError).toMatch(/invalid config/);
    expect(throwing.requests).toHaveLength(0);
    // The failing ones are still trying (or gave up into dead letters), on their own time.
    for (const id of [downId, goneId]) {
      const counts = (await api(t, `/api/destinations/${id}/deliveries`)).body.counts;
      expect(counts.delivered ?? 0).toBe(0);
      expect(Object.values(counts).reduce((a: number, b) => a + (b as number), 0)).toBe(sent.length);
    }
    expect(down.failed + down.requests.length).toBeGreaterThan(0);
  });
});

describe("pace", () => {
  it("honours Retry-After: the destination's next call waits at least that long", async () => {
    const times: number[] = [];
    const limited = new FakeService("hooks.customer.fake", () => {
      times.push(Date.now());
      return times.length === 1 ? new Response("slow down", { status: 429, headers: { "Retry-After": "2" } }) : Response.json({ received: true });
    });
    uninstall = installFakes(limited);
    const t = await newTenant();
    const d = (await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } })).body.destination;
    await send(t, "/v1/track", { userId: "ra", event: "Signup", messageId: "ra-0", timestamp: recent(5) });
    await eventually(async () => expect((await api(t, `/api/destinations/${d.id}/deliveries`)).body.counts).toEqual({ delivered: 1 }));
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(2_000);
    expect((await api(t, `/api/destinations/${d.id}/deliveries`)).body.deliveries[0]).toMatchObject({ messageId: "ra-0", attempts: 2, lastStatus: 200 });
  });
});
