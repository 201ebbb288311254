/**
 * Issue 15, item 4 (the config part): a webhook destination with
 * `"headers": {"X-A": "v\r\nX-Injected: 1"}` or `{"Bad Name:": "v"}` used to
 * be saved (201); every send then threw `TypeError: Invalid header value`.
 * Every field of a destination's config is now checked when it is saved: a
 * 400 naming the field, and nothing stored. (Delivery-time isolation of a
 * destination that fails anyway is issue 20's.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { apiSend, newTenant } from "../workers/helpers";
import { installFakes, FakeService } from "../fakes/fake-service";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const webhook = (headers: Record<string, string>) => ({ name: "hook", type: "webhook", config: { url: "https://sink.fake/in", headers } });

describe("destination config", () => {
  it.each([
    ["a CRLF in a header value", { "X-A": "v\r\nX-Injected: 1" }, "config.headers.X-A"],
    ["a bare LF", { "X-A": "v\nX-Injected: 1" }, "config.headers.X-A"],
    ["a NUL", { "X-A": "v\u0000" }, "config.headers.X-A"],
    ["a character fetch refuses", { "X-A": "caf\u00e9 \u2603" }, "config.headers.X-A"],
    ["a colon in the name", { "Bad Name:": "v" }, "config.headers.Bad Name:"],
    ["an empty name", { "": "v" }, "config.headers."],
    ["a header leadflare sets", { "idempotency-key": "mine" }, "config.headers.idempotency-key"],
    ["too many headers", Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-${i}`, "v"])), "config.headers"],
  ])("refuses %s with a 400 naming the field, on create and on update", async (_what, headers, path) => {
    const t = await newTenant();
    const created = await apiSend(t, "POST", "/api/destinations", webhook(headers));
    expect(created.status).toBe(400);
    expect(created.body.error.details.map((d: any) => d.path)).toContain(path);

    const good = await apiSend(t, "POST", "/api/destinations", webhook({ "X-Tenant": "acme-tenant-0042" }));
    expect(good.status).toBe(201);
    const id = good.body.destination.id;
    const updated = await apiSend(t, "PUT", `/api/destinations/${id}`, webhook(headers));
    expect(updated.status).toBe(400);
    expect(updated.body.error.details.map((d: any) => d.path)).toContain(path);
    const after = await apiSend(t, "GET", `/api/destinations/${id}`);
    // Header values are secrets: the answer shows their last 4 characters only.
    expect(after.body.destination.config.headers).toEqual({ "X-Tenant": "…0042" });
    expect((await apiSend(t, "GET", "/api/destinations")).body.destinations).toHaveLength(1);
  });

  it.each([
    ["attio", { apiKey: "key\r\nX-Injected: 1" }, "config.apiKey"],
    ["hubspot", { accessToken: "tok en" }, "config.accessToken"],
    ["mixpanel", { token: "" }, "config.token"],
    // btoa cannot encode it: Basic auth would throw at send time.
    ["segment", { writeKey: "wk_\u2603", endpoint: "https://sink.fake" }, "config.writeKey"],
    ["segment", { writeKey: "wk", endpoint: `https://sink.fake/${"x".repeat(3000)}` }, "config.endpoint"],
    ["slack", { webhookUrl: "https://sink.fake/s", channel: "c".repeat(101) }, "config.channel"],
    ["slack", { webhookUrl: "https://sink.fake/s", events: Array(101).fill("signup") }, "config.events"],
    ["webhook", { url: "https://sink.fake/in", secret: "s".repeat(1001) }, "config.secret"],
  ])("refuses a %s config with a bad field (%j)", async (type, config, path) => {
    const t = await newTenant();
    const res = await apiSend(t, "POST", "/api/destinations", { name: "d", type, config });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: any) => d.path)).toContain(path);
  });

  it("keeps custom headers that are valid, and sends them", async () => {
    const sink = new FakeService("sink.fake", () => Response.json({ ok: true }));
    uninstall = installFakes(sink);
    const t = await newTenant();
    const created = await apiSend(t, "POST", "/api/destinations", webhook({ "X-Tenant": "acme", Authorization: "Bearer abc.def", "X-Tabbed": "a\tb" }));
    expect(created.status).toBe(201);
    const test = await apiSend(t, "POST", `/api/destinations/${created.body.destination.id}/test`);
    expect(test.body.ok).toBe(true);
    expect(sink.requests.at(-1)!.headers.get("X-Tenant")).toBe("acme");
  });
});
