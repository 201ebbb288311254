/**
 * Issue 26, item 1: a destination whose `filters.mapping` named a path
 * through `__proto__` (`{"event":"__proto__.x"}`) made the path writer write
 * into `Object.prototype` of the shared isolate; every event stored in
 * another namespace then carried `x`, and that namespace's /api/live answered
 * 400. Paths a tenant names now refuse `__proto__`, `prototype` and
 * `constructor` segments with a 400 naming the field, and the readers and
 * writers are safe on their own (a config stored before the schemas refused
 * such paths moves nothing), so the isolate's prototypes stay untouched.
 */
import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { FakeService, installFakes } from "../fakes/fake-service";
import { deleteAt, setAt, valueAt } from "../../src/paths/field-path";
import { shapeItem } from "../../src/destinations/transform";
import type { DeliveryItem } from "../../src/destinations/types";
import { apiSend, call, eventually, leadByUserId, newTenant, send, timelineOf, type Tenant } from "../workers/helpers";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const UNSAFE_PATHS = ["__proto__", "__proto__.x", "constructor.prototype.x", "properties.__proto__.x", "prototype", "a.constructor"];

/** Nothing reached the prototypes every object of the isolate shares. */
function expectPrototypesClean() {
  const probe: Record<string, unknown> = {};
  expect(probe.x).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain("x");
  expect(Object.getOwnPropertyNames(Array.prototype)).not.toContain("x");
  expect(typeof Object.prototype.toString).toBe("function");
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}

const webhook = (filters: unknown) => ({ name: "hook", type: "webhook", config: { url: "https://sink.fake/in" }, filters });

describe("tenant-given field paths", () => {
  it.each(UNSAFE_PATHS)("refuses %s in a mapping's target and source, a mask, and a scoring condition, naming the field", async (path) => {
    const t = await newTenant("paths");
    const cases: [unknown, string][] = [
      [{ mapping: { event: path } }, "filters.mapping.event"],
      [{ mapping: { [path]: "properties.y" } }, `filters.mapping.${path}`],
      [{ mask: ["traits.email", path] }, "filters.mask.1"],
    ];
    for (const [filters, field] of cases) {
      const res = await apiSend(t, "POST", "/api/destinations", webhook(filters));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.details).toContainEqual({ path: field, message: expect.stringContaining("must not hold the segment") });
    }
    const good = await apiSend(t, "POST", "/api/destinations", webhook({ mapping: { event: "properties.name" } }));
    expect(good.status).toBe(201);
    const updated = await apiSend(t, "PUT", `/api/destinations/${good.body.destination.id}`, webhook({ mapping: { event: path } }));
    expect(updated.status).toBe(400);
    expect(updated.body.error.details.map((d: any) => d.path)).toContain("filters.mapping.event");
    // Nothing changed.
    expect((await apiSend(t, "GET", `/api/destinations/${good.body.destination.id}`)).body.destination.filters).toEqual({ mapping: { event: "properties.name" } });
    expect((await apiSend(t, "GET", "/api/destinations")).body.destinations).toHaveLength(1);

    const rule = await apiSend(t, "POST", "/api/scoring-rules", { event: "Signup", points: 5, conditions: [{ property: path, op: "exists" }] });
    expect(rule.status).toBe(400);
    expect(rule.body.error.details.map((d: any) => d.path)).toContain("conditions.0.property");
    expectPrototypesClean();
  });

  it("a stored config with such a path, sent to and delivered through, leaves the isolate and another namespace untouched", async () => {
    const sink = new FakeService("sink.fake", () => Response.json({ ok: true }));
    uninstall = installFakes(sink);
    const attacker = await newTenant("paths");
    const victim = await newTenant("paths");
    const created = await apiSend(attacker, "POST", "/api/destinations", webhook({ mapping: { event: "properties.name" } }));
    expect(created.status).toBe(201);
    const id = created.body.destination.id;
    // As if saved before the schema refused it: the filters column is written directly.
    const stored = { mapping: { event: "__proto__.x", "properties.plan": "constructor.prototype.x", "constructor.prototype.toString": "properties.gone" }, mask: ["__proto__.x", "lead.constructor.prototype.x"] };
    await env.DB.prepare("UPDATE destinations SET filters = ? WHERE id = ?").bind(JSON.stringify(stored), id).run();
    // The row is read again once the cached delivery targets are forgotten (an update of another destination does that).
    const other = await apiSend(attacker, "POST", "/api/destinations", { name: "other", type: "webhook", config: { url: "https://sink.fake/other" } });
    expect(other.status).toBe(201);

    const test = await apiSend(attacker, "POST", `/api/destinations/${id}/test`);
    expect(test.status).toBe(200);
    expect(test.body.ok).toBe(true);
    const sent = JSON.parse(sink.requests.find((r) => r.url.pathname === "/in")!.body);
    expect(JSON.stringify(sent)).toContain("leadflare test");
    expectPrototypesClean();

    // A real delivery of the attacker's own event, through the queue consumer.
    expect((await send(attacker, "/v1/track", { type: "track", userId: "mallory", event: "Signup", properties: { plan: "pro" }, messageId: "pollute-1" })).status).toBe(200);
    await eventually(async () => expect(sink.requests.filter((r) => r.url.pathname === "/in" && r.body.includes("pollute-1"))).toHaveLength(1), 20_000);
    const delivered = sink.requests.find((r) => r.body.includes("pollute-1"))!.body;
    expect(delivered).toContain('"plan":"pro"');
    expectPrototypesClean();

    // The victim's events and live stream are as they always were.
    const listener = await listen(victim);
    expect((await send(victim, "/v1/track", { type: "track", userId: "vic", event: "Signup", properties: { plan: "free" }, messageId: "victim-1" })).status).toBe(200);
    const notice = await listener.next((n) => n.messageId === "victim-1");
    expect(notice).toMatchObject({ kind: "event", event: "Signup", userId: "vic" });
    expect(notice).not.toHaveProperty("x");
    const lead = await leadByUserId(victim, "vic");
    const [entry] = (await timelineOf(victim, lead.id)).filter((e) => e.messageId === "victim-1");
    expect(entry).toBeDefined();
    expect(JSON.stringify(entry)).not.toMatch(/"x":/);
    const again = await call("/api/live", { headers: { Upgrade: "websocket", Authorization: `Bearer ${victim.apiKey}` } });
    expect(again.status).toBe(101);
    again.webSocket!.accept();
    again.webSocket!.close(1000);
    listener.close();
    expectPrototypesClean();
  });
});

describe("the path reader and writers on their own", () => {
  it.each(UNSAFE_PATHS)("write and delete nothing through %s", (path) => {
    const target: Record<string, unknown> = { a: { b: 1 }, properties: {} };
    setAt(target, path, "polluted");
    deleteAt(target, path);
    deleteAt(target, "constructor.prototype.toString");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(valueAt(target, path)).toBeUndefined();
    expect(target).toEqual({ a: { b: 1 }, properties: {} });
    expectPrototypesClean();
  });

  it("read own properties only, and make missing steps without a prototype", () => {
    const target: Record<string, unknown> = { properties: { plan: "pro" } };
    expect(valueAt(target, "constructor")).toBeUndefined();
    expect(valueAt(target, "properties.toString")).toBeUndefined();
    expect(valueAt(target, "properties.plan")).toBe("pro");
    setAt(target, "traits.company.name", "Acme");
    expect(valueAt(target, "traits.company.name")).toBe("Acme");
    expect(Object.getPrototypeOf(target.traits)).toBeNull();
    // An inherited name is not a step to follow: an own object takes its place.
    setAt(target, "toString.x", 1);
    expect(Object.hasOwn(target, "toString")).toBe(true);
    expectPrototypesClean();
  });

  it("shapeItem with a polluting mapping and mask leaves the item's data and the prototypes untouched", () => {
    const item: DeliveryItem = {
      messageId: "m",
      kind: "event",
      lead: { id: "l", score: 1, behaviourScore: 1, icpScore: 0, stage: "cold", grade: "F", velocity: 0, userId: "u", email: "u@example.com" },
      event: { type: "track", event: "Signup", properties: { plan: "pro" } },
    };
    const shaped = shapeItem(item, { mapping: { event: "__proto__.x", "properties.plan": "constructor.prototype.x" }, mask: ["__proto__.x", "lead.__proto__.x"] });
    expect(shaped.event).toEqual({ type: "track", event: "Signup", properties: { plan: "pro" } });
    expectPrototypesClean();
  });
});

async function listen(tenant: Tenant) {
  const res = await call("/api/live", { headers: { Upgrade: "websocket", Authorization: `Bearer ${tenant.apiKey}` } });
  expect(res.status).toBe(101);
  const socket = res.webSocket!;
  socket.accept();
  const notices: any[] = [];
  socket.addEventListener("message", (event) => notices.push(JSON.parse(event.data as string)));
  const next = (match: (n: any) => boolean) =>
    eventually(async () => {
      const found = notices.find(match);
      if (!found) throw new Error(`no such notice yet; got ${JSON.stringify(notices)}`);
      return found;
    }, 10_000, 20);
  await next((n) => n.kind === "subscribed");
  return { next, close: () => socket.close(1000, "done") };
}
