import { afterEach, expect, it } from "vitest";
import { api, apiSend, eventually, newTenant, send, type Tenant } from "../helpers";
import { installFakes, type FakeService, type RecordedRequest } from "../../fakes/fake-service";

/**
 * One table-driven suite per destination: the same four checks through the
 * real Worker, its lead objects and delivery shards, against the
 * destination's fake.
 */
export interface DestinationCase<F extends FakeService> {
  type: string;
  config: Record<string, unknown>;
  fake: () => F;
  /** The messageIds the fake stored, one per stored item (a repeat shows twice). */
  received(fake: F): string[];
  /** Items one recorded request carried. */
  itemsIn(request: RecordedRequest, fake: F): number;
  maxItems: number;
  /** Auth and shape of one request the fake accepted. */
  checkRequest(request: RecordedRequest, fake: F): void | Promise<void>;
  /** A permanent refusal of this API (bad input or auth). */
  permanent: { status: number; body: string; headers?: Record<string, string> };
  /** Extra fakes the destination needs (BigQuery's token endpoint). */
  others?: () => FakeService[];
}

export async function addDestination(t: Tenant, body: unknown) {
  const res = await apiSend(t, "POST", "/api/destinations", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.destination as { id: string; config: Record<string, unknown> };
}

export async function deliveries(t: Tenant, id: string, status?: string) {
  return (await api(t, `/api/destinations/${id}/deliveries${status ? `?status=${status}&limit=500` : "?limit=500"}`)).body;
}

/** `leads` leads with `perLead` track events each, timestamped from now; returns their messageIds. */
export async function sendEvents(t: Tenant, prefix: string, leads: number, perLead: number): Promise<string[]> {
  const start = Date.now() - 3_600_000;
  const ids: string[] = [];
  const batch = [];
  for (let lead = 0; lead < leads; lead++) {
    for (let k = 0; k < perLead; k++) {
      const messageId = `${prefix}-${lead}-${k}`;
      ids.push(messageId);
      batch.push({ type: "track", userId: `${prefix}-u${lead}`, event: k % 5 === 0 ? "Demo Request" : "Page Viewed", properties: { n: k }, messageId, timestamp: new Date(start + k * 1000).toISOString() });
    }
  }
  for (let i = 0; i < batch.length; i += 100) {
    const res = await send(t, "/v1/batch", { batch: batch.slice(i, i + 100) });
    expect(res.status).toBe(200);
  }
  return ids;
}

export function destinationSuite<F extends FakeService>(spec: DestinationCase<F>): void {
  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  async function setUp() {
    const fake = spec.fake();
    uninstall = installFakes(fake, ...(spec.others?.() ?? []));
    const t = await newTenant(spec.type);
    const destination = await addDestination(t, { name: spec.type, type: spec.type, config: spec.config });
    return { fake, t, destination };
  }

  it("sends every event once, batched across leads, in the API's shape and auth", async () => {
    const { fake, t, destination } = await setUp();
    const ids = await sendEvents(t, "b", 6, 25);
    await eventually(() => Promise.resolve(expect(ids.filter((id) => !spec.received(fake).includes(id))).toEqual([])), 30_000, 200);
    await eventually(async () => expect(Object.keys((await deliveries(t, destination.id)).counts)).toEqual(["delivered"]), 30_000, 200);
    const received = spec.received(fake);
    expect(received.length, "nothing stored twice").toBe(new Set(received).size);
    expect(fake.requests.length, "batched: far fewer calls than items").toBeLessThanOrEqual(Math.ceil(received.length / 10));
    for (const request of fake.requests) {
      expect(spec.itemsIn(request, fake)).toBeLessThanOrEqual(spec.maxItems);
      await spec.checkRequest(request, fake);
    }
  });

  it("retries a 429 (with Retry-After) and a 5xx, then delivers once", async () => {
    const { fake, t, destination } = await setUp();
    fake.failNext(1, { status: 429, headers: { "Retry-After": "0" } });
    fake.failNext(1, { status: 503 });
    const ids = await sendEvents(t, "r", 1, 3); // one lead: one shard, so both failures hit its first call
    await eventually(() => Promise.resolve(expect(ids.filter((id) => !spec.received(fake).includes(id))).toEqual([])), 30_000, 200);
    await eventually(async () => expect(Object.keys((await deliveries(t, destination.id)).counts)).toEqual(["delivered"]), 30_000, 200);
    expect(fake.failed).toBe(2);
    const received = spec.received(fake);
    expect(received.length).toBe(new Set(received).size);
    const log = (await deliveries(t, destination.id)).deliveries as any[];
    expect(log.find((row) => row.messageId === ids[0])!.attempts).toBeGreaterThanOrEqual(3);
  });

  it("a permanent 4xx is not retried: the items become dead letters", async () => {
    const { fake, t, destination } = await setUp();
    fake.failNext(1, spec.permanent);
    const [first] = await sendEvents(t, "p", 1, 1);
    await eventually(async () => expect((await deliveries(t, destination.id)).counts.dead).toBeGreaterThanOrEqual(1), 30_000, 200);
    const dead = (await deliveries(t, destination.id, "dead")).deliveries as any[];
    expect(dead.find((row) => row.messageId === first)).toMatchObject({ attempts: 1, lastStatus: spec.permanent.status });
    expect(spec.received(fake)).not.toContain(first);
  });
}
