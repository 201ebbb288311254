/**
 * Issue 15, item 9: the smaller ones. Content-Encoding other than gzip was
 * ignored (the compressed bytes read as bad JSON); management bodies had no
 * size cap; masking lead.email left the address in event.traits.email.
 */
import { afterEach, describe, expect, it } from "vitest";
import { apiSend, basic, call, eventually, leadByUserId, newTenant, send, timelineOf } from "../workers/helpers";
import { installFakes } from "../fakes/fake-service";
import { webhookReceiver } from "../fakes/services";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

async function compress(text: string, format: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream(format as "gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function supports(format: string): boolean {
  try {
    new CompressionStream(format as "gzip");
    return true;
  } catch {
    return false;
  }
}

describe("Content-Encoding", () => {
  it("decodes a deflate body", async () => {
    const t = await newTenant();
    const body = await compress(JSON.stringify({ userId: "deflated", event: "Signup" }), "deflate");
    const res = await call("/v1/track", { method: "POST", headers: { Authorization: basic(t.writeKey), "Content-Encoding": "deflate" }, body });
    expect(res.status).toBe(200);
    expect((await leadByUserId(t, "deflated")).eventCount).toBe(1);
  });

  it("decodes br where the runtime can, else answers 415; an unknown encoding is 415 and stores nothing", async () => {
    const t = await newTenant();
    const text = JSON.stringify({ userId: "brotli", event: "Signup" });
    const brotli = supports("brotli");
    const body = brotli ? await compress(text, "brotli") : new TextEncoder().encode(text);
    const res = await call("/v1/track", { method: "POST", headers: { Authorization: basic(t.writeKey), "Content-Encoding": "br" }, body });
    if (brotli) expect(res.status).toBe(200);
    else {
      expect(res.status).toBe(415);
      expect(((await res.json()) as any).error.code).toBe("unsupported_encoding");
    }
    const zstd = await call("/v1/track", { method: "POST", headers: { Authorization: basic(t.writeKey), "Content-Encoding": "zstd" }, body: JSON.stringify({ userId: "zstd", event: "Signup" }) });
    expect(zstd.status).toBe(415);
    expect((await apiSend(t, "GET", "/api/leads/lookup?userId=zstd")).status).toBe(404);
  });

  it("answers 400, not 500, to a body that is not what its encoding says", async () => {
    const t = await newTenant();
    const res = await call("/v1/batch", { method: "POST", headers: { Authorization: basic(t.writeKey), "Content-Encoding": "deflate" }, body: "not deflate at all" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe("invalid_encoding");
  });

  it("caps a body after decoding too: a small deflate bomb is 413", async () => {
    const t = await newTenant();
    const bomb = await compress(JSON.stringify({ userId: "bomb", event: "Signup", properties: { pad: "a".repeat(2_000_000) } }), "deflate");
    expect(bomb.byteLength).toBeLessThan(32 * 1024);
    const res = await call("/v1/track", { method: "POST", headers: { Authorization: basic(t.writeKey), "Content-Encoding": "deflate" }, body: bomb });
    expect(res.status).toBe(413);
  });
});

describe("management body caps", () => {
  it("refuses a management body over 64 KB with 413, and creates nothing", async () => {
    const t = await newTenant();
    const res = await apiSend(t, "POST", "/api/destinations", { name: "big", type: "webhook", config: { url: "https://sink.fake/in", padding: "x".repeat(70 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
    expect((await apiSend(t, "GET", "/api/destinations")).body.destinations).toEqual([]);
  });
});

describe("masking", () => {
  it("masks every copy of a masked value in the delivered payload", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const created = await apiSend(t, "POST", "/api/destinations", {
      name: "hook",
      type: "webhook",
      config: { url: "https://hooks.customer.fake/in", changes: true },
      filters: { mask: ["lead.email"] },
    });
    expect(created.status).toBe(201);
    await send(t, "/v1/identify", {
      userId: "masked",
      traits: { email: "Ada.Lovelace@Example.com", name: "Ada" },
      context: { traits: { email: "ada.lovelace@example.com" }, page: { url: "https://acme.test/welcome?email=ada.lovelace@example.com" } },
    });
    await send(t, "/v1/track", { userId: "masked", event: "Signup" });
    await eventually(() => Promise.resolve(expect(hook.requests.length).toBeGreaterThanOrEqual(2)));
    const identify = hook.requests.map((r) => JSON.parse(r.body)).find((b) => b.event?.type === "identify");
    expect(identify.lead.email).toBe("[masked]");
    expect(identify.event.traits).toEqual({ email: "[masked]", name: "Ada" });
    expect(identify.event.context.traits.email).toBe("[masked]");
    expect(identify.event.context.page.url).toBe("https://acme.test/welcome?email=[masked]");
    for (const request of hook.requests) expect(request.body.toLowerCase()).not.toContain("ada.lovelace@example.com");
  });
});

describe("stage changes", () => {
  it("recomputes the stage history in event time when a late event is inserted before others", async () => {
    const t = await newTenant();
    const now = Date.now();
    await send(t, "/v1/track", { userId: "late", event: "Contract Signed", timestamp: new Date(now - 10_000).toISOString() });
    expect((await leadByUserId(t, "late")).stageChanges.map((c: any) => [c.from, c.to, c.score])).toEqual([[null, "qualified", 100]]);
    // An earlier signup arrives late: in event time the lead was cold first.
    await send(t, "/v1/track", { userId: "late", event: "Signup", timestamp: new Date(now - 60_000).toISOString() });
    const lead = await leadByUserId(t, "late");
    expect(lead.behaviourScore).toBe(120);
    expect(lead.stageChanges.map((c: any) => [c.from, c.to, c.score, Date.parse(c.at)])).toEqual([
      [null, "cold", 20, now - 60_000],
      ["cold", "qualified", 120, now - 10_000],
    ]);
  });
});
