import { expect } from "vitest";
import { api, apiSend, eventually, newTenant, send, type Tenant } from "../helpers";
import { installFakes, type FakeService, type RecordedRequest } from "../../fakes/fake-service";

/**
 * A table-driven check of one destination against its fake, through the real
 * Worker: events of many leads go in through the tracking API, the fake
 * records what the destination's shard sent.
 */
export interface DestinationCase {
  name: string;
  type: string;
  config: Record<string, unknown>;
  fake: () => FakeService;
  /** How many delivery items one call carried. */
  itemsIn(request: RecordedRequest): number;
  /** Auth and shape of one call. */
  check(request: RecordedRequest, fake: FakeService): void;
  /** The events sent for lead `i` (each lead's traits carry an email). */
  events?: (i: number) => Array<{ event: string }>;
  /** Items the destination takes per lead for `events`. */
  itemsPerLead: number;
  maxItems: number;
  /** A permanent failure the API answers (→ dead letters). */
  permanent: { status: number; body?: string; headers?: Record<string, string> };
  /** Retryable failures the API answers before it takes the calls. */
  retryable: Array<{ status: number; body?: string; headers?: Record<string, string> }>;
}

export const recent = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

export async function addDestination(t: Tenant, body: unknown) {
  const res = await apiSend(t, "POST", "/api/destinations", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.destination;
}

export async function deliveries(t: Tenant, id: string, status?: string) {
  return (await api(t, `/api/destinations/${id}/deliveries${status ? `?status=${status}&limit=500` : "?limit=500"}`)).body;
}

/** Leads `0..leads-1` of a tenant: an identify with an email, then the case's events, all in one batch. */
export async function sendLeads(t: Tenant, leads: number, events: (i: number) => Array<{ event: string }>, prefix = "lead") {
  const batch = Array.from({ length: leads }, (_, i) => [
    { type: "identify", userId: `${prefix}-${i}`, traits: { email: `${prefix}-${i}@acme.example` }, timestamp: recent(30) },
    ...events(i).map((e, j) => ({ type: "track", userId: `${prefix}-${i}`, event: e.event, messageId: `${prefix}-${i}-${j}`, timestamp: recent(20 - j) })),
  ]).flat();
  const res = await send(t, "/v1/batch", { batch });
  expect(res.status).toBe(200);
}

const defaultEvents = () => [{ event: "Demo Request" }];

export async function setUp(c: DestinationCase) {
  const fake = c.fake();
  const uninstall = installFakes(fake);
  const t = await newTenant(c.type);
  const destination = await addDestination(t, { name: c.name, type: c.type, config: c.config });
  return { fake, uninstall, t, destination };
}

/** Many leads' items go out in few calls, none over the API's batch size, each shaped and authorised. */
export async function checkBatching(c: DestinationCase, leads = 12) {
  const { fake, uninstall, t, destination } = await setUp(c);
  try {
    await sendLeads(t, leads, c.events ?? defaultEvents);
    const expected = leads * c.itemsPerLead;
    await eventually(async () => {
      const log = await deliveries(t, destination.id);
      const dead = log.counts.dead ? (await deliveries(t, destination.id, "dead")).deliveries[0] : undefined;
      expect(log.counts, `dead: ${JSON.stringify(dead)}`).toEqual({ delivered: expected });
    }, 30_000);
    const sizes = fake.requests.map((r) => c.itemsIn(r));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(c.maxItems);
    expect(fake.requests.length).toBeLessThan(expected);
    for (const request of fake.requests) c.check(request, fake);
    return { fake, t, destination };
  } finally {
    uninstall();
  }
}

/** 429s and 5xx are retried with backoff; everything is delivered in the end. */
export async function checkRetries(c: DestinationCase) {
  const { fake, uninstall, t, destination } = await setUp(c);
  try {
    for (const failure of c.retryable) fake.failNext(1, failure);
    await sendLeads(t, 2, c.events ?? defaultEvents, "retry");
    await eventually(async () => expect((await deliveries(t, destination.id)).counts).toEqual({ delivered: 2 * c.itemsPerLead }), 30_000);
    expect(fake.failed).toBe(c.retryable.length);
    const attempts = (await deliveries(t, destination.id)).deliveries.map((d: any) => d.attempts);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  } finally {
    uninstall();
  }
}

/** A permanent 4xx is not retried: the items become dead letters with the status. */
export async function checkDeadLetters(c: DestinationCase) {
  const { fake, uninstall, t, destination } = await setUp(c);
  try {
    fake.failNext(1, c.permanent);
    await sendLeads(t, 1, c.events ?? defaultEvents, "dead");
    await eventually(async () => expect((await deliveries(t, destination.id, "dead")).deliveries.length).toBeGreaterThan(0), 30_000);
    const dead = (await deliveries(t, destination.id, "dead")).deliveries;
    for (const row of dead) expect(row).toMatchObject({ attempts: 1, lastStatus: c.permanent.status });
    expect(fake.failed).toBe(1);
  } finally {
    uninstall();
  }
}
