import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { api, eventually, newTenant } from "../helpers";
import { addDestination, sendTraffic } from "./analytics-crm-suite";
import { installFakes } from "../../fakes/fake-service";
import { PIPEDRIVE_FIELDS, amplitudeFake, amplitudeThrottled, customerioFake, heapFake, intercomFake, pipedriveFake, posthogFake } from "../../fakes/analytics-crm";
import { THROTTLED_WAIT_MS } from "../../../src/destinations/amplitude";
import { ulidFor } from "../../../src/destinations/customerio";
import { DESTINATIONS } from "../../../src/destinations/registry";
import type { DeliveryItem } from "../../../src/destinations/types";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const context = { env, timeoutMs: 5_000 };
const lead = { id: "lead-1", score: 42, behaviourScore: 30, icpScore: 12, stage: "warm", grade: "B", velocity: 2, userId: "user-1", email: "ada@example.com" };
const event = (message: Record<string, unknown>): DeliveryItem => ({ messageId: "msg-1", kind: "event", lead, event: { timestamp: new Date(Date.now() - 1000).toISOString(), ...message } });

describe("regions: an EU (or AU) config calls that region's host", () => {
  it.each([
    ["amplitude", { apiKey: "amp-key-0123456789", region: "eu" }, () => amplitudeFake("eu.amplitude.fake")],
    ["heap", { appId: "1234567", region: "eu" }, () => heapFake("eu.heap.fake")],
    ["customerio", { siteId: "site-1", apiKey: "cio-key-0123456789", region: "eu" }, () => customerioFake("track-eu.customerio.fake")],
    ["intercom", { accessToken: "ic-token-au-0123456789", region: "au", sendEvents: true }, () => intercomFake("au.intercom.fake", "ic-token-au-0123456789")],
  ] as const)("%s", async (type, raw, makeFake) => {
    const fake = makeFake();
    uninstall = installFakes(fake);
    const module = DESTINATIONS[type];
    const config = module.config.parse(raw);
    const result = await module.deliver(event({ type: "track", event: "Signup", properties: { plan: "pro" } }), config, context);
    expect(result).toMatchObject({ ok: true });
    expect(fake.requests.length).toBeGreaterThan(0);
  });
});

describe("mappings", () => {
  it("PostHog: identify → $identify with $set, page → $pageview with the URL, a stable uuid per messageId", async () => {
    const fake = posthogFake();
    uninstall = installFakes(fake);
    const config = DESTINATIONS.posthog.config.parse({ apiKey: "phc_test_0123456789", host: "https://posthog.fake" });
    const items = [
      event({ type: "identify", traits: { plan: "pro" }, anonymousId: "anon-1" }),
      { ...event({ type: "page", properties: { url: "https://acme.example/pricing" } }), messageId: "msg-2" },
    ];
    expect(await DESTINATIONS.posthog.batch!.deliverMany(items, config, context)).toMatchObject({ ok: true });
    await DESTINATIONS.posthog.deliver(items[0]!, config, context);
    const [identify, page, again] = fake.events;
    expect(identify).toMatchObject({ event: "$identify", properties: { distinct_id: "user-1", $set: { plan: "pro" }, $anon_distinct_id: "anon-1" } });
    expect(page).toMatchObject({ event: "$pageview", properties: { $current_url: "https://acme.example/pricing", lead_score: 42 } });
    expect(again.uuid).toBe(identify.uuid);
    expect(page.uuid).not.toBe(identify.uuid);
  });

  it("Amplitude: a throttling 429 without Retry-After waits before the next try", async () => {
    const fake = amplitudeFake();
    uninstall = installFakes(fake);
    fake.failNext(1, amplitudeThrottled("user-1"));
    const config = DESTINATIONS.amplitude.config.parse({ apiKey: "amp-key-0123456789" });
    const result = await DESTINATIONS.amplitude.deliver(event({ type: "track", event: "Signup" }), config, context);
    expect(result).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: THROTTLED_WAIT_MS });
  });

  it("Amplitude: a 400 naming some events sends the others again at once, and keeps the call as a failure", async () => {
    const fake = amplitudeFake();
    uninstall = installFakes(fake);
    fake.failNext(1, { status: 400, body: JSON.stringify({ code: 400, error: "Invalid field values on some events", events_with_invalid_fields: { time: [1] } }) });
    const config = DESTINATIONS.amplitude.config.parse({ apiKey: "amp-key-0123456789" });
    const items = [0, 1, 2].map((i) => ({ ...event({ type: "track", event: `E${i}` }), messageId: `amp-${i}` }));
    const result = await DESTINATIONS.amplitude.batch!.deliverMany(items, config, context);
    expect(result).toMatchObject({ ok: false, retryable: false, status: 400, error: expect.stringContaining("1 of 3 events refused; the other 2 were delivered") });
    expect(fake.events.map((e) => e.insert_id)).toEqual(["amp-0", "amp-2"]);
  });

  it("Customer.io: an event's ULID is its time and the messageId's hash, the same on every send", async () => {
    const t = Date.now();
    const id = await ulidFor("msg-1", t);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(await ulidFor("msg-1", t)).toBe(id);
    expect(await ulidFor("msg-2", t)).not.toBe(id);
    expect((await ulidFor("msg-1", t + 1000)) > id).toBe(true);
  });

  it("Customer.io: a 200 listing refused entries is a failure not worth retrying (its items become dead letters)", async () => {
    const fake = customerioFake();
    uninstall = installFakes(fake);
    fake.failNext(1, { status: 200, body: JSON.stringify({ errors: [{ batch_index: 0, reason: "invalid", message: "attribute too large" }] }) });
    const config = DESTINATIONS.customerio.config.parse({ siteId: "site-1", apiKey: "cio-key-0123456789" });
    const item = event({ type: "track", event: "Signup" });
    expect(await DESTINATIONS.customerio.deliver(item, config, context)).toMatchObject({ ok: false, retryable: false, status: 200 });
    expect(await DESTINATIONS.customerio.deliver(item, config, context)).toMatchObject({ ok: true });
  });

  it("Intercom: a 429 waits until its X-RateLimit-Reset", async () => {
    const fake = intercomFake();
    uninstall = installFakes(fake);
    fake.failNext(1, { status: 429, headers: { "X-RateLimit-Reset": String(Math.floor(Date.now() / 1000) + 30) }, body: "{}" });
    const config = DESTINATIONS.intercom.config.parse({ accessToken: "ic-token-0123456789", sendEvents: true });
    const result = await DESTINATIONS.intercom.deliver(event({ type: "track", event: "Signup" }), config, context);
    expect(result).toMatchObject({ ok: false, retryable: true, status: 429 });
    expect(result.ok ? 0 : result.retryAfterMs!).toBeGreaterThan(25_000);
    expect(result.ok ? 0 : result.retryAfterMs!).toBeLessThanOrEqual(30_000);
  });

  it("Intercom: an event for an unknown contact creates the contact, then goes again", async () => {
    const fake = intercomFake();
    uninstall = installFakes(fake);
    const config = DESTINATIONS.intercom.config.parse({ accessToken: "ic-token-0123456789", sendEvents: true });
    const result = await DESTINATIONS.intercom.deliver(event({ type: "track", event: "Demo Request", properties: { plan: "pro", nested: { no: 1 } } }), config, context);
    expect(result).toMatchObject({ ok: true, status: 202 });
    expect(fake.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(["POST /events", "POST /contacts/search", "POST /contacts", "POST /events"]);
    expect(fake.contacts.get("ada@example.com")).toMatchObject({ role: "user", external_id: "user-1", custom_attributes: { lead_score: 42, lead_stage: "warm" } });
    expect(fake.events).toEqual([expect.objectContaining({ event_name: "Demo Request", metadata: { lead_score: 42, plan: "pro" } })]);
  });
});

describe("a masked email", () => {
  const masked = { ...lead, userId: null, email: "[masked]" };

  it("is no analytics identity: PostHog, Amplitude and Heap fall back to the lead id", async () => {
    const posthog = posthogFake();
    const amplitude = amplitudeFake();
    const heap = heapFake();
    uninstall = installFakes(posthog, amplitude, heap);
    const item: DeliveryItem = { ...event({ type: "track", event: "Signup" }), lead: masked };
    await DESTINATIONS.posthog.deliver(item, DESTINATIONS.posthog.config.parse({ apiKey: "phc_test_0123456789", host: "https://posthog.fake" }), context);
    await DESTINATIONS.amplitude.deliver(item, DESTINATIONS.amplitude.config.parse({ apiKey: "amp-key-0123456789" }), context);
    expect(posthog.events[0].properties.distinct_id).toBe("lead-1");
    expect(amplitude.events[0].user_id).toBeUndefined();
    expect(amplitude.events[0].device_id).toBe("lead-1");
    expect(DESTINATIONS.heap.accepts(item, DESTINATIONS.heap.config.parse({ appId: "1234567" }))).toBe(false);
    // Accepted before its filters masked the email: it goes by the lead id.
    expect(await DESTINATIONS.heap.deliver(item, DESTINATIONS.heap.config.parse({ appId: "1234567" }), context)).toMatchObject({ ok: true });
    expect(heap.events[0].identity).toBe("lead-1");
  });

  it("is never looked up or created in a CRM: Intercom and Pipedrive refuse the item without calling", async () => {
    const intercom = intercomFake();
    const pipedrive = pipedriveFake();
    uninstall = installFakes(intercom, pipedrive);
    const item: DeliveryItem = { messageId: "chg-masked", kind: "change", lead: masked, change: { before: null, after: masked } };
    const results = [
      await DESTINATIONS.intercom.deliver(item, DESTINATIONS.intercom.config.parse({ accessToken: "ic-token-0123456789" }), context),
      await DESTINATIONS.pipedrive.deliver(item, DESTINATIONS.pipedrive.config.parse({ apiToken: "pd-token-0123456789", fields: PIPEDRIVE_FIELDS }), context),
    ];
    for (const result of results) expect(result).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("masked") });
    expect(intercom.requests.length + pipedrive.requests.length).toBe(0);
  });
});

describe("CRM records: found once, then updated by id", () => {
  const change = (email: string, score: number): DeliveryItem => {
    const after = { ...lead, email, score };
    return { messageId: `chg-${email}-${score}`, kind: "change", lead: after, change: { before: null, after } };
  };
  const calls = (fake: { requests: { method: string; url: URL }[] }) => fake.requests.map((r) => `${r.method} ${r.url.pathname.replace(/\/[0-9a-f]{24}$|\/\d+$/, "/:id")}`);

  it("Intercom: a create refused as a duplicate (its search lags) updates the contact it names; the next change goes straight to it", async () => {
    const fake = intercomFake("intercom.fake", "ic-token-dup-0123456789", { searchLagMs: 60_000 });
    uninstall = installFakes(fake);
    const config = DESTINATIONS.intercom.config.parse({ accessToken: "ic-token-dup-0123456789" });
    fake.contacts.set("dup@example.com", { id: "c".repeat(24), role: "lead", email: "dup@example.com", custom_attributes: {}, createdAt: Date.now() });
    expect(await DESTINATIONS.intercom.deliver(change("dup@example.com", 50), config, context)).toMatchObject({ ok: true });
    expect(await DESTINATIONS.intercom.deliver(change("dup@example.com", 60), config, context)).toMatchObject({ ok: true });
    expect(calls(fake)).toEqual(["POST /contacts/search", "POST /contacts", "PUT /contacts/:id", "PUT /contacts/:id"]);
    expect(fake.contacts.size).toBe(1);
    expect(fake.contacts.get("dup@example.com")!.custom_attributes.lead_score).toBe(60);
  });

  it("Pipedrive: a known person is updated by id; one deleted since is searched for again, then created", async () => {
    const fake = pipedriveFake();
    uninstall = installFakes(fake);
    const config = DESTINATIONS.pipedrive.config.parse({ apiToken: "pd-token-0123456789", fields: PIPEDRIVE_FIELDS });
    for (const score of [10, 20]) expect(await DESTINATIONS.pipedrive.deliver(change("pd@example.com", score), config, context)).toMatchObject({ ok: true });
    expect(calls(fake)).toEqual(["GET /v1/persons/search", "POST /v1/persons", "PUT /v1/persons/:id"]);
    expect(fake.byEmail("pd@example.com")![PIPEDRIVE_FIELDS.score]).toBe(20);
    fake.persons.splice(0);
    expect(await DESTINATIONS.pipedrive.deliver(change("pd@example.com", 30), config, context)).toMatchObject({ ok: true });
    expect(calls(fake).slice(3)).toEqual(["PUT /v1/persons/:id", "GET /v1/persons/search", "POST /v1/persons"]);
    expect(fake.byEmail("pd@example.com")![PIPEDRIVE_FIELDS.score]).toBe(30);
  });
});

describe("secrets in the query string stay out of the delivery log", () => {
  it.each([
    ["pipedrive", { apiToken: "pd-token-SECRET-42", fields: { score: "a".repeat(40) } }, "pd-token-SECRET-42"],
    ["ga4", { measurementId: "G-TEST1234", apiSecret: "ga4-SECRET-42" }, "ga4-SECRET-42"],
  ] as const)("%s", async (type, config, secret) => {
    // No fake installed: the call fails with an error quoting the URL it tried.
    const t = await newTenant();
    const d = await addDestination(t, { name: type, type, config });
    await sendTraffic(t, `${type}-s`, 1, 1);
    const rows = await eventually(async () => {
      const list = (await api(t, `/api/destinations/${d.id}/deliveries`)).body.deliveries as any[];
      expect(list.some((row) => row.lastError?.includes("no fake for"))).toBe(true);
      return list;
    }, 30_000, 200);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).toContain("[secret]");
  });
});
