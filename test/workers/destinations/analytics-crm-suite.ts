import { afterEach, describe, expect, it } from "vitest";
import { api, apiSend, eventually, leadByUserId, newTenant, send, type Tenant } from "../helpers";
import { installFakes, type FakeService, type RecordedRequest } from "../../fakes/fake-service";

/** Helpers the per-destination tests share: create a destination, send traffic, read its delivery log. */

export async function addDestination(t: Tenant, body: { name: string; type: string; config: unknown }) {
  const res = await apiSend(t, "POST", "/api/destinations", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.destination as { id: string; config: Record<string, unknown> };
}

export async function deliveryCounts(t: Tenant, id: string): Promise<Record<string, number>> {
  return (await api(t, `/api/destinations/${id}/deliveries`)).body.counts;
}

export async function deadLetters(t: Tenant, id: string): Promise<any[]> {
  return (await api(t, `/api/destinations/${id}/deliveries?status=dead`)).body.deliveries;
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/**
 * `leads` leads, each identified with an email, then `perLead` (at most 90)
 * "Email Opened" events each, all in one /v1/batch call (so the shards gather
 * them together).
 */
export async function sendTraffic(t: Tenant, prefix: string, leads: number, perLead: number): Promise<void> {
  const batch = Array.from({ length: leads }, (_, l) => [
    { type: "identify", userId: `${prefix}${l}`, traits: { email: `${prefix}${l}@example.com`, plan: "pro" }, timestamp: ago(120_000) },
    ...Array.from({ length: perLead }, (_, k) => ({
      type: "track",
      userId: `${prefix}${l}`,
      event: "Email Opened",
      messageId: `${prefix}${l}-${k}`,
      properties: { campaign: "launch", n: k },
      // A second apart: Intercom counts one event of a name per contact and second.
      timestamp: ago(100_000 - k * 1000),
    })),
  ]).flat();
  const res = await send(t, "/v1/batch", { batch });
  expect(res.status).toBe(200);
}

/** Every call the fake accepted carried at most `max` items (as `itemsOf` counts them). */
export function expectCallsAtMost(fake: FakeService, max: number, itemsOf: (r: RecordedRequest) => number): void {
  expect(fake.requests.length).toBeGreaterThan(0);
  for (const request of fake.requests) expect(itemsOf(request)).toBeLessThanOrEqual(max);
}

export interface DestinationCase {
  type: string;
  config: Record<string, unknown>;
  /** A secret field of the config and its value, or null when it has none. */
  secret: [string, string] | null;
  badConfig: { config: Record<string, unknown>; field: string };
  fake: () => FakeService;
  /** The "Email Opened" events the API accepted (repeats dropped as it drops them); absent when it takes no events. */
  tracked?: (fake: any) => any[];
  /** The lead_score the API holds for a person. */
  scoreOf: (fake: any, userId: string, email: string) => unknown;
  /** Items (events, people) in one accepted call. */
  itemsOf: (r: RecordedRequest) => number;
  maxItems: number;
  /** At most this many calls for 6 leads' 10 events each (and their score changes). */
  maxCalls: number;
  checkRequest: (r: RecordedRequest) => void;
  throttled: { status: number; headers?: Record<string, string>; body?: string };
  permanent: { status: number; body: string };
}

/**
 * The tests every destination passes against its fake, through the real
 * Worker: config checks, shape and batching, retries, dead letters.
 */
export function destinationSuite(c: DestinationCase): void {
  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  /** Every lead's person outside holds the lead's current score; with `perLead`, all its events arrived too. */
  async function arrived(fake: FakeService, t: Tenant, prefix: string, leads: number, perLead: number) {
    if (c.tracked) await eventually(() => Promise.resolve(expect(c.tracked!(fake)).toHaveLength(leads * perLead)), 50_000, 200);
    for (let l = 0; l < leads; l++) {
      const userId = `${prefix}${l}`;
      const lead = await leadByUserId(t, userId);
      await eventually(() => Promise.resolve(expect(c.scoreOf(fake, userId, `${userId}@example.com`)).toBe(lead.score)), 50_000, 200);
    }
  }

  const onlyDelivered = (t: Tenant, id: string) =>
    eventually(async () => expect(Object.keys(await deliveryCounts(t, id))).toEqual(["delivered"]), 30_000, 200);

  describe(`destination ${c.type}`, () => {
    it("checks its config, and never shows its secret back", async () => {
      const t = await newTenant();
      const bad = await apiSend(t, "POST", "/api/destinations", { name: c.type, type: c.type, config: c.badConfig.config });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: any) => d.path)).toContain(c.badConfig.field);
      const created = await addDestination(t, { name: c.type, type: c.type, config: c.config });
      if (c.secret) {
        expect(created.config[c.secret[0]]).not.toBe(c.secret[1]);
        expect(created.config[c.secret[0]]).toMatch(/^…/);
      }
    });

    it("sends many leads' events in few calls of the API's shape, and each person's latest score", async () => {
      const fake = c.fake();
      uninstall = installFakes(fake);
      const t = await newTenant();
      const d = await addDestination(t, { name: c.type, type: c.type, config: c.config });
      await sendTraffic(t, `${c.type}-b`, 6, 10);
      await arrived(fake, t, `${c.type}-b`, 6, 10);
      await onlyDelivered(t, d.id);
      for (const r of fake.requests) c.checkRequest(r);
      expectCallsAtMost(fake, c.maxItems, c.itemsOf);
      expect(fake.requests.length).toBeLessThanOrEqual(c.maxCalls);
    }, 90_000);

    it("retries a rate limit and a server error, then delivers each event once", async () => {
      const fake = c.fake();
      uninstall = installFakes(fake);
      const t = await newTenant();
      const d = await addDestination(t, { name: c.type, type: c.type, config: c.config });
      fake.failNext(1, c.throttled);
      fake.failNext(1, { status: 503, headers: { "Retry-After": "0" } });
      await sendTraffic(t, `${c.type}-r`, 1, 3);
      await arrived(fake, t, `${c.type}-r`, 1, 3);
      await onlyDelivered(t, d.id);
      expect(fake.failed).toBe(2);
    }, 90_000);

    it("makes a permanent 4xx a dead letter, and replay delivers it", async () => {
      const fake = c.fake();
      uninstall = installFakes(fake);
      const t = await newTenant();
      const d = await addDestination(t, { name: c.type, type: c.type, config: c.config });
      fake.failNext(1, c.permanent);
      await sendTraffic(t, `${c.type}-d`, 1, 2);
      await eventually(async () => {
        const counts = await deliveryCounts(t, d.id);
        expect(counts.dead).toBeGreaterThan(0);
        expect(counts.pending ?? 0).toBe(0);
        expect(counts.retrying ?? 0).toBe(0);
      }, 40_000, 200);
      const dead = await deadLetters(t, d.id);
      expect(dead.every((row) => row.attempts === 1 && row.lastStatus === c.permanent.status)).toBe(true);
      expect((await apiSend(t, "POST", `/api/destinations/${d.id}/replay`)).body).toEqual({ replaying: dead.length });
      await onlyDelivered(t, d.id);
      await arrived(fake, t, `${c.type}-d`, 1, 2);
    }, 90_000);
  });
}
