import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { api, apiSend, eventually, newTenant, oneUtcDayFor, send, type Tenant } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { attioFake, decodeMixpanel, hubspotFake, mixpanelFake, segmentFake, slackFake, webhookReceiver } from "../../fakes/services";
import { signature } from "../../../src/destinations/webhook";
import { leadObjectName } from "../../../src/ingest/lead-name";
import type { LeadObject } from "../../../durable/lead-object";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const SECRET = "whsec_0123456789abcdef";

async function addDestination(t: Tenant, body: unknown) {
  const res = await apiSend(t, "POST", "/api/destinations", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.destination;
}

async function deliveries(t: Tenant, id: string, status?: string) {
  return (await api(t, `/api/destinations/${id}/deliveries${status ? `?status=${status}` : ""}`)).body;
}

const recent = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

function eventItems(fake: ReturnType<typeof webhookReceiver>) {
  return fake.requests.map((r) => JSON.parse(r.body)).filter((b) => b.type === "event");
}

describe("destinations API", () => {
  it("validates config per type, hides secrets and keeps namespaces apart", async () => {
    const t = await newTenant();
    const bad = await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "not a url" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["config.url"]);
    expect((await apiSend(t, "POST", "/api/destinations", { name: "x", type: "fax", config: {} })).body.error.details[0].path).toBe("type");

    const created = await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in", secret: SECRET } });
    expect(created.config).toMatchObject({ url: "https://hooks.customer.fake/in", secret: "…cdef", timeoutMs: 10_000 });
    expect((await api(t, "/api/destinations")).body.destinations).toHaveLength(1);
    const other = await newTenant();
    expect((await api(other, `/api/destinations/${created.id}`)).status).toBe(404);
    expect((await apiSend(t, "DELETE", `/api/destinations/${created.id}`)).status).toBe(200);
    expect((await api(t, "/api/destinations")).body.destinations).toHaveLength(0);
  });

  it("sends a test event and shows the answer's status, not its body", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const d = await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    const ok = await apiSend(t, "POST", `/api/destinations/${d.id}/test`);
    expect(ok.body).toMatchObject({ ok: true, status: 200, error: null });
    hook.failNext(1, { status: 410, body: "gone" });
    const failed = await apiSend(t, "POST", `/api/destinations/${d.id}/test`);
    expect(failed.body).toMatchObject({ ok: false, status: 410, error: "answered HTTP 410" });
    expect(JSON.stringify(failed.body)).not.toContain("gone");
    // Both are in the log, named as tests, and counted apart from real deliveries.
    const log = await deliveries(t, d.id);
    expect(log.counts).toEqual({});
    expect(log.deliveries.map((r: any) => [r.kind, r.event, r.lead, r.status, r.lastStatus])).toEqual([
      ["test", "leadflare test", "test@example.com", "failed", 410],
      ["test", "leadflare test", "test@example.com", "delivered", 200],
    ]);
    expect((await deliveries(t, d.id, "dead")).deliveries).toEqual([]);
  });
});

describe("delivery", () => {
  it("delivers each event once, signed, with the messageId as idempotency key", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in", secret: SECRET } });
    for (const [i, event] of ["Signup", "Download", "Demo Request"].entries()) {
      await send(t, "/v1/track", { userId: "d1", event, messageId: `d1-${i}`, timestamp: recent(30 - i) });
    }
    await eventually(() => Promise.resolve(expect(eventItems(hook)).toHaveLength(3)));
    expect(eventItems(hook).map((b) => b.messageId)).toEqual(["d1-0", "d1-1", "d1-2"]);
    for (const request of hook.requests) {
      const body = JSON.parse(request.body);
      expect(request.headers.get("Idempotency-Key")).toBe(body.messageId);
      const header = request.headers.get("X-Leadflare-Signature")!;
      const t = Number(/t=(\d+)/.exec(header)![1]);
      expect(header).toBe(await signature(SECRET, t, request.body));
      expect(Math.abs(Date.now() / 1000 - t)).toBeLessThan(60);
    }
    expect(JSON.parse(hook.requests[2]!.body).lead).toMatchObject({ userId: "d1", score: 80, stage: "hot" });
  });

  it("retries 503s and timeouts with backoff, then delivers, keeping the order", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const d = await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    hook.failNext(3, { status: 503, headers: { "Retry-After": "0" } });
    hook.failNext(1, "network");
    await send(t, "/v1/batch", { batch: [0, 1, 2].map((i) => ({ type: "track", userId: "d2", event: "Signup", messageId: `d2-${i}`, timestamp: recent(10 - i) })) });
    await eventually(() => Promise.resolve(expect(eventItems(hook).map((b) => b.messageId)).toEqual(["d2-0", "d2-1", "d2-2"])));
    const log = await deliveries(t, d.id);
    expect(log.counts).toEqual({ delivered: 3 });
    expect(log.deliveries.find((r: any) => r.messageId === "d2-0").attempts).toBe(5);
  });

  it("does not retry other 4xx: the event becomes a dead letter, and replay delivers it", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const d = await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    hook.failNext(1, { status: 422, body: "unprocessable" });
    await send(t, "/v1/track", { userId: "d3", event: "Signup", messageId: "d3-0", timestamp: recent(5) });
    await send(t, "/v1/track", { userId: "d3", event: "Download", messageId: "d3-1", timestamp: recent(4) });
    await eventually(async () => expect((await deliveries(t, d.id)).counts).toEqual({ dead: 1, delivered: 1 }));
    const dead = (await deliveries(t, d.id, "dead")).deliveries[0];
    expect(dead).toMatchObject({ messageId: "d3-0", attempts: 1, lastStatus: 422, lastError: "HTTP 422: unprocessable" });
    expect(eventItems(hook).map((b) => b.messageId)).toEqual(["d3-1"]);

    expect((await apiSend(t, "POST", `/api/destinations/${d.id}/replay`)).body).toEqual({ replaying: 1 });
    await eventually(async () => expect((await deliveries(t, d.id)).counts).toEqual({ delivered: 2 }));
    expect(eventItems(hook).map((b) => b.messageId)).toEqual(["d3-1", "d3-0"]);
  });

  it("gives up after the last try on a destination that keeps failing, then replays", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const d = await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    hook.failNext(8, { status: 500 }); // 4 queue attempts × 2 quick tries
    await send(t, "/v1/track", { userId: "d4", event: "Signup", messageId: "d4-0", timestamp: recent(5) });
    await eventually(async () => expect((await deliveries(t, d.id)).counts).toEqual({ dead: 1 }), 30_000);
    expect((await deliveries(t, d.id, "dead")).deliveries[0]).toMatchObject({ attempts: 8, lastStatus: 500 });
    expect(hook.requests).toHaveLength(0);
    await apiSend(t, "POST", `/api/destinations/${d.id}/replay`);
    await eventually(async () => expect((await deliveries(t, d.id)).counts).toEqual({ delivered: 1 }));
    expect(eventItems(hook).map((b) => b.messageId)).toEqual(["d4-0"]);
  });

  it("applies event filters, property mapping and PII masking", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    await addDestination(t, {
      name: "hook",
      type: "webhook",
      config: { url: "https://hooks.customer.fake/in" },
      filters: {
        allow: ["Signup", "identify"],
        deny: ["identify"],
        mapping: { "properties.plan": "properties.plan_name" },
        mask: ["properties.phone", "context.ip", "lead.email"],
      },
    });
    await send(t, "/v1/identify", { userId: "d5", traits: { email: "pii@example.com" }, timestamp: recent(9) });
    await send(t, "/v1/track", { userId: "d5", event: "Download", timestamp: recent(8) });
    await send(t, "/v1/track", {
      userId: "d5",
      event: "Signup",
      properties: { plan: "pro", phone: "+44 20 7946 0958" },
      context: { ip: "203.0.113.9" },
      timestamp: recent(7),
    });
    await eventually(() => Promise.resolve(expect(eventItems(hook)).toHaveLength(1)));
    const [delivered] = eventItems(hook);
    expect(delivered.event.event).toBe("Signup");
    expect(delivered.event.properties).toEqual({ plan_name: "pro", phone: "[masked]" });
    expect(delivered.event.context.ip).toBe("[masked]");
    expect(delivered.lead.email).toBe("[masked]");
    expect(hook.requests.some((r) => r.body.includes("pii@example.com") || r.body.includes("203.0.113.9"))).toBe(false);
  });

  it("owes a namespace without destinations nothing; one added later gets the events after it", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "d7", event: "Signup", messageId: "d7-before", timestamp: recent(10) });
    const lead = env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "d7"));
    const pending = async () => (await api(t, `/api/leads/${lead.id.toString()}/outbox`)).body.outbox.pending as number;
    expect(await pending()).toBe(0);

    await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    await send(t, "/v1/track", { userId: "d7", event: "Download", messageId: "d7-after", timestamp: recent(5) });
    expect(await pending()).toBe(2); // the event and the lead's score change
    await runDurableObjectAlarm(lead);
    await eventually(() => Promise.resolve(expect(eventItems(hook).map((b) => b.messageId)).toEqual(["d7-after"])));
    await eventually(async () => expect(await pending()).toBe(0));
  });

  it("resends an outbox batch after the lead object died before sending it", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    await send(t, "/v1/track", { userId: "d6", event: "Signup", messageId: "d6-0", timestamp: recent(5) });
    const lead = env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "d6"));
    const pending = async () => (await api(t, `/api/leads/${lead.id.toString()}/outbox`)).body.outbox.pending as number;
    expect(await pending()).toBe(2); // the event and the lead's score change
    await evictDurableObject(lead);
    await runDurableObjectAlarm(lead);
    await eventually(() => Promise.resolve(expect(eventItems(hook).map((b) => b.messageId)).toEqual(["d6-0"])));
    await eventually(async () => expect(await pending()).toBe(0));
  });
});

describe("destination types", () => {
  it("Slack: a readable message for chosen events and for stage changes", async () => {
    const slack = slackFake();
    uninstall = installFakes(slack);
    const t = await newTenant();
    await addDestination(t, { name: "sales", type: "slack", config: { webhookUrl: "https://hooks.slack.fake/T1/B1", events: ["Demo Request"] } });
    await send(t, "/v1/identify", { userId: "s1", traits: { email: "ada@example.com" }, timestamp: recent(9) });
    // Changes go out once per batch (a lead's changes within its gathering are one): the new lead first, then the rest.
    await eventually(() => Promise.resolve(expect(slack.requests.length).toBeGreaterThanOrEqual(1)));
    await send(t, "/v1/track", { userId: "s1", event: "Download", timestamp: recent(8) });
    await send(t, "/v1/track", { userId: "s1", event: "Demo Request", timestamp: recent(7) });
    // Paced at Slack's one message a second: the new lead, the Demo Request, the move to hot.
    await eventually(() => Promise.resolve(expect(slack.requests.length).toBeGreaterThanOrEqual(3)));
    const texts = slack.requests.map((r) => JSON.parse(r.body).text as string);
    expect(texts).toContain(":fire: *ada@example.com* — Demo Request (score 60 · hot · grade B)");
    expect(texts.some((t) => t.includes("moved cold → *hot*"))).toBe(true);
    expect(texts.some((t) => t.includes("Download"))).toBe(false);
  });

  it("Mixpanel: the import form with $insert_id; a `0` answer is a failure", async () => {
    const mixpanel = mixpanelFake();
    uninstall = installFakes(mixpanel);
    const t = await newTenant();
    const good = await addDestination(t, { name: "mp", type: "mixpanel", config: { token: "mp-token" } });
    await send(t, "/v1/track", { userId: "m1", event: "Signup", messageId: "node-next-1700000000000-ab", properties: { plan: "pro" }, timestamp: recent(5) });
    await eventually(() => Promise.resolve(expect(mixpanel.requests).toHaveLength(1)));
    const payload = decodeMixpanel(mixpanel.requests[0]!.body);
    expect(payload).toMatchObject({ event: "Signup", properties: { distinct_id: "m1", token: "mp-token", plan: "pro", $insert_id: "node-next-1700000000000-ab" } });
    await apiSend(t, "PUT", `/api/destinations/${good.id}`, { name: "mp", type: "mixpanel", config: { token: "wrong" } });
    await send(t, "/v1/track", { userId: "m1", event: "Download", timestamp: recent(4) });
    await eventually(async () => expect((await deliveries(t, good.id)).counts).toEqual({ delivered: 1, dead: 1 }), 30_000);
  });

  it("Attio and HubSpot: upsert the person with the scores when they change", async () => {
    const attio = attioFake();
    const hubspot = hubspotFake();
    uninstall = installFakes(attio, hubspot);
    const t = await newTenant();
    await addDestination(t, { name: "crm", type: "attio", config: { apiKey: "attio-key" } });
    await addDestination(t, { name: "hs", type: "hubspot", config: { accessToken: "hs-token" } });
    await send(t, "/v1/identify", { userId: "c1", traits: { email: "cto@acme.example", employees: 30 }, timestamp: recent(9) });
    await send(t, "/v1/track", { userId: "c1", event: "Demo Request", timestamp: recent(8) });
    await eventually(() => Promise.resolve(expect(attio.people.get("cto@acme.example")?.lead_score).toEqual([{ value: 80 }])));
    expect(attio.people.get("cto@acme.example")).toMatchObject({ icp_score: [{ value: 30 }], behaviour_score: [{ value: 50 }], lead_grade: [{ value: "A" }] });
    expect(attio.requests.every((r) => r.method === "PUT" && r.url.searchParams.get("matching_attribute") === "email_addresses")).toBe(true);
    await eventually(() =>
      Promise.resolve(expect(hubspot.json(hubspot.requests.length - 1).inputs[0]).toMatchObject({ idProperty: "email", id: "cto@acme.example", properties: { lead_score: "80" } })),
    );
    expect(hubspot.requests[0]!.headers.get("Authorization")).toBe("Bearer hs-token");
  });

  it("Segment-forward: the event in Segment's format with the same messageId and write key", async () => {
    const segment = segmentFake();
    uninstall = installFakes(segment);
    const t = await newTenant();
    await addDestination(t, { name: "fwd", type: "segment", config: { writeKey: "other-key", endpoint: "https://segment.fake" } });
    await send(t, "/v1/track", { userId: "f1", event: "Signup", messageId: "fwd-1", properties: { a: 1 }, timestamp: recent(3) });
    await eventually(() => Promise.resolve(expect(segment.requests).toHaveLength(1)));
    const request = segment.requests[0]!;
    expect(request.url.pathname).toBe("/v1/batch");
    expect(request.headers.get("Authorization")).toBe(`Basic ${btoa("other-key:")}`);
    expect(JSON.parse(request.body).batch[0]).toMatchObject({ type: "track", event: "Signup", userId: "f1", messageId: "fwd-1", properties: { a: 1 } });
  });
});

describe("automations", () => {
  it("fires when the score crosses the mark, at most once per rule, lead and day", async () => {
    await oneUtcDayFor(50_000);
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const created = await apiSend(t, "POST", "/api/automations", {
      name: "hot leads",
      trigger: { type: "score_crosses", score: 50 },
      action: { type: "webhook", url: "https://hooks.customer.fake/automation" },
    });
    expect(created.status).toBe(201);
    const bad = await apiSend(t, "POST", "/api/automations", { name: "x", trigger: { type: "score_crosses" }, action: { type: "email" } });
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["trigger.score", "action.type"]);

    await send(t, "/v1/track", { userId: "a1", event: "Signup", timestamp: recent(20) });
    await send(t, "/v1/track", { userId: "a1", event: "Demo Request", timestamp: recent(19) });
    await send(t, "/v1/track", { userId: "a2", event: "Demo Request", timestamp: recent(18) });
    await eventually(() => Promise.resolve(expect(hook.requests.map((r) => JSON.parse(r.body).lead.userId).sort()).toEqual(["a1", "a2"])));

    // The score falls under 50 (a rule change) and crosses it again the same day: no second firing.
    const rule = await apiSend(t, "POST", "/api/scoring-rules", { event: "demo_request", points: 0 });
    await eventually(async () => expect((await api(t, "/api/scoring-rules/rescore-status")).body.job.status).toBe("completed"));
    await apiSend(t, "DELETE", `/api/scoring-rules/${rule.body.rule.id}`);
    await eventually(async () => expect((await api(t, "/api/leads/lookup?userId=a1")).body.lead.score).toBe(70));
    await send(t, "/v1/track", { userId: "a1", event: "Demo Request", timestamp: recent(2) });
    await new Promise((r) => setTimeout(r, 3000));
    expect(hook.requests).toHaveLength(2);
    const body = JSON.parse(hook.requests[0]!.body);
    expect(body.type).toBe("change");
    expect(hook.requests[0]!.headers.get("Idempotency-Key")).toMatch(/^automation:/);
  }, 120_000);
});
