import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { app } from "../../../src/app";
import { checkOutboundUrl, parseIpv4, parseIpv6 } from "../../../src/outbound/url-guard";
import { apiSend, eventually, newTenant, type Tenant } from "../helpers";
import { FakeService, installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";

const production = { allowPrivate: false };
const local = { allowPrivate: true };

describe("outbound URL guard (pure)", () => {
  // Every spelling from the issue, and more of each kind.
  const refused: [string, RegExp][] = [
    ["https://127.0.0.1/", /loopback/],
    ["https://localhost/", /\.localhost name/],
    ["https://LOCALHOST./x", /\.localhost name/],
    ["https://api.localhost/", /\.localhost name/],
    ["https://0.0.0.0/", /unspecified/],
    ["https://0/", /unspecified/],
    ["https://2130706433/", /loopback/],
    ["https://0x7f.1/", /loopback/],
    ["https://0x7F000001/", /loopback/],
    ["https://0177.0.0.1/", /loopback/],
    ["https://017700000001/", /loopback/],
    ["https://127.1/", /loopback/],
    ["https://127.0.1/", /loopback/],
    ["https://[::1]/", /loopback/],
    ["https://[0:0:0:0:0:0:0:1]/", /loopback/],
    ["https://[::]/", /unspecified/],
    ["https://[::ffff:127.0.0.1]/", /loopback/],
    ["https://[::ffff:7f00:1]/", /loopback/],
    ["https://[::ffff:10.1.2.3]/", /private/],
    ["https://[64:ff9b::10.0.0.1]/", /private/],
    ["https://[2002:c0a8:0101::1]/", /private/],
    ["https://[fe80::1]/", /link-local/],
    ["https://[fd12:3456::1]/", /unique local/],
    ["https://[ff02::1]/", /multicast/],
    ["https://169.254.169.254/latest/meta-data/", /metadata/],
    ["https://[::ffff:169.254.169.254]/", /metadata/],
    ["https://[::ffff:a9fe:a9fe]/", /metadata/],
    ["https://0xa9.0xfe.0xa9.0xfe/", /metadata/],
    ["https://2852039166/", /metadata/],
    ["https://[fd00:ec2::254]/", /metadata/],
    ["https://metadata.google.internal/computeMetadata/v1/", /metadata/],
    ["https://Metadata.Google.Internal./", /metadata/],
    ["https://169.254.1.1/", /link-local/],
    ["https://10.0.0.1/", /private/],
    ["https://10.255.255.255/", /private/],
    ["https://172.16.0.1/", /private/],
    ["https://172.31.255.254/", /private/],
    ["https://192.168.1.1/", /private/],
    ["https://100.64.0.1/", /carrier-grade NAT/],
    ["https://100.127.255.255/", /carrier-grade NAT/],
    ["https://224.0.0.1/", /multicast/],
    ["https://255.255.255.255/", /reserved/],
    ["https://198.18.0.1/", /benchmarking/],
    ["https://intranet/", /\.intranet name/],
    ["https://fileserver/", /single-label/],
    ["https://db.internal/", /\.internal name/],
    ["https://printer.local/", /\.local name/],
    ["https://router.home.arpa/", /\.home\.arpa name/],
    ["https://mixpanel.fake/", /\.fake name/],
    ["http://hooks.example.com/", /must use https/],
    ["ftp://hooks.example.com/", /must use https/],
    ["file:///etc/passwd", /must use https/],
    ["not a url", /absolute URL/],
    ["https://256.1.1.1/", /absolute URL|not a valid host/],
    ["https://1.2.3.256/", /absolute URL|not a valid host/],
  ];
  it.each(refused)("refuses %s", (url, why) => {
    const verdict = checkOutboundUrl(url, production);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(why);
  });

  const allowed = [
    "https://hooks.slack.com/services/T0/B0/x",
    "https://example.com/in",
    "https://8.8.8.8/",
    "https://172.32.0.1/",
    "https://100.128.0.1/",
    "https://192.169.0.1/",
    "https://[2606:4700:4700::1111]/",
    "https://api.lemlist.com:8443/api",
  ];
  it.each(allowed)("allows %s", (url) => expect(checkOutboundUrl(url, production).ok).toBe(true));

  it("with ALLOW_PRIVATE_DESTINATIONS: http and private hosts pass, metadata never", () => {
    for (const url of ["https://mixpanel.fake/", "http://localhost:8787/", "http://127.0.0.1/", "https://10.0.0.1/", "https://[::1]/"]) {
      expect(checkOutboundUrl(url, local), url).toMatchObject({ ok: true });
    }
    for (const url of ["http://169.254.169.254/", "https://metadata.google.internal/", "http://[::ffff:169.254.169.254]/", "gopher://x.fake/"]) {
      expect(checkOutboundUrl(url, local).ok, url).toBe(false);
    }
  });

  it("parses IPv4 and IPv6 spellings to one value", () => {
    const loopback = 0x7f000001;
    for (const text of ["127.0.0.1", "2130706433", "0x7f.1", "0x7f.0.0.1", "0177.0.0.1", "127.1", "0x7f000001", "017700000001"]) expect(parseIpv4(text), text).toBe(loopback);
    expect(parseIpv4("example")).toBeNull();
    expect(parseIpv4("1.2.3.4.5")).toBeNull();
    expect(parseIpv4("1.256.1.1")).toBe("invalid");
    expect(parseIpv4("09.1.1.1")).toBe("invalid");
    expect(parseIpv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6("1::2::3")).toBeNull();
    expect(parseIpv6("1:2:3")).toBeNull();
  });
});

/** The real Worker with ALLOW_PRIVATE_DESTINATIONS off, as in production. */
async function productionCall(t: Tenant, method: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const ctx = createExecutionContext();
  const request = new Request(`https://leadflare.test${path}`, {
    method,
    headers: { Authorization: `Bearer ${t.apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const res = await app.fetch(request, { ...env, ALLOW_PRIVATE_DESTINATIONS: "false" }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json() };
}

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

describe("outbound URL guard at config time", () => {
  const internal = ["http://127.0.0.1/", "https://2130706433/", "https://0x7f.1/", "https://[::1]/", "https://169.254.169.254/", "https://metadata.google.internal/", "https://10.0.0.8/", "https://172.16.5.4/", "https://192.168.0.10/", "https://localhost/", "https://0.0.0.0/"];

  it("refuses every internal spelling for each URL field with a 400 naming the field, and stores nothing", async () => {
    const t = await newTenant();
    for (const url of internal) {
      const cases: [string, string, unknown, string][] = [
        ["POST", "/api/destinations", { name: "hook", type: "webhook", config: { url } }, "config.url"],
        ["POST", "/api/destinations", { name: "slack", type: "slack", config: { webhookUrl: url } }, "config.webhookUrl"],
        ["POST", "/api/destinations", { name: "seg", type: "segment", config: { writeKey: "wk", endpoint: url } }, "config.endpoint"],
        ["POST", "/api/automations", { name: "a", trigger: { type: "score_crosses", score: 50 }, action: { type: "webhook", url } }, "action.url"],
        ["POST", "/api/automations", { name: "a", trigger: { type: "score_crosses", score: 50 }, action: { type: "slack", webhookUrl: url } }, "action.webhookUrl"],
        ["POST", "/api/accounts", { platform: "lemlist", name: "l", apiKey: "key-123456789", baseUrl: url }, "baseUrl"],
        ["POST", "/api/sync/jobs", { mode: "full_historical", callbackUrl: url }, "callbackUrl"],
        ["POST", "/api/destinations", { name: "ph", type: "posthog", config: { apiKey: "phc_key_123", host: url } }, "config.host"],
      ];
      for (const [method, path, body, field] of cases) {
        const res = await productionCall(t, method, path, body);
        expect(res.status, `${path} ${url}`).toBe(400);
        expect(res.body.error.code).toBe("invalid_request");
        expect(res.body.error.details.map((d: any) => d.path), `${path} ${url}`).toEqual([field]);
      }
    }
    expect((await productionCall(t, "GET", "/api/destinations", undefined)).body.destinations).toEqual([]);
    expect((await productionCall(t, "GET", "/api/automations", undefined)).body.automations).toEqual([]);
    expect((await productionCall(t, "GET", "/api/accounts", undefined)).body.accounts).toEqual([]);
  });

  it("accepts a public https URL, and the test fakes' hosts only because the test suite allows private hosts", async () => {
    const t = await newTenant();
    expect((await productionCall(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.example.com/in" } })).status).toBe(201);
    const fake = await productionCall(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    expect(fake.status).toBe(400);
    expect(fake.body.error.details[0].message).toMatch(/\.fake name/);
    expect((await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } })).status).toBe(201);
  });
});

describe("outbound URL guard at send time", () => {
  it("refuses a stored metadata URL before any request leaves, and /test shows no body", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const created = await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    // A row from before the rule: written straight to D1.
    await env.DB.prepare("UPDATE destinations SET config = ? WHERE id = ?").bind(JSON.stringify({ url: "http://169.254.169.254/latest/meta-data/", headers: {}, timeoutMs: 1000, changes: false }), created.body.destination.id).run();
    const test = await apiSend(t, "POST", `/api/destinations/${created.body.destination.id}/test`);
    expect(test.body).toMatchObject({ ok: false, status: null });
    expect(test.body.error).toMatch(/refused to call 169\.254\.169\.254.*metadata/);
    expect(hook.requests).toHaveLength(0);
  });

  it("does not follow a redirect: a public host cannot bounce the call to an internal one", async () => {
    const bouncer = new FakeService("bounce.fake");
    const redirectModes: string[] = [];
    bouncer.handle = async (request: Request) => {
      redirectModes.push(request.redirect);
      return new Response(null, { status: 302, headers: { Location: "http://169.254.169.254/latest/meta-data/" } });
    };
    uninstall = installFakes(bouncer);
    const t = await newTenant();
    const d = (await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://bounce.fake/in" } })).body.destination;
    const test = await apiSend(t, "POST", `/api/destinations/${d.id}/test`);
    expect(test.body).toMatchObject({ ok: false, status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } });
    // The platform's fetch would follow a redirect itself; the Worker asks it not to.
    expect(redirectModes).toEqual(["manual"]);
  });

  it("refuses a stored private account baseUrl at sync time without calling it", async () => {
    const t = await newTenant();
    const account = (await apiSend(t, "POST", "/api/accounts", { platform: "lemlist", name: "l", apiKey: "lemlist-key-0123456789" })).body.account;
    await env.DB.prepare("UPDATE connected_accounts SET base_url = ? WHERE id = ?").bind("http://metadata.google.internal/computeMetadata/v1", account.id).run();
    const started = await apiSend(t, "POST", "/api/sync/jobs", { platforms: ["lemlist"], mode: "full_historical" });
    expect(started.status).toBe(202);
    const job = await eventually(async () => {
      const j = (await apiSend(t, "GET", `/api/sync/jobs/${started.body.job.id}`)).body.job;
      if (j.status === "queued" || j.status === "in_progress") throw new Error(j.status);
      return j;
    });
    expect(job.status).toBe("failed");
    expect(JSON.stringify(job.errors)).toMatch(/refused to call metadata\.google\.internal/);
  });

  it("/test shows the status and headers of the answer, never its body", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const d = (await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } })).body.destination;
    hook.failNext(1, { status: 500, headers: { "X-Internal": "yes" }, body: "root:x:0:0:root:/root:/bin/bash" });
    const failed = await apiSend(t, "POST", `/api/destinations/${d.id}/test`);
    expect(failed.body).toMatchObject({ ok: false, status: 500, headers: { "x-internal": "yes" }, error: "answered HTTP 500" });
    expect(JSON.stringify(failed.body)).not.toContain("root:x");
    const ok = await apiSend(t, "POST", `/api/destinations/${d.id}/test`);
    expect(ok.body).toMatchObject({ ok: true, status: 200, error: null });
    expect(JSON.stringify(ok.body)).not.toContain("received");
  });
});
