import { describe, expect, it } from "vitest";
import { api, basic, call, leadByUserId, newTenant, send, timelineOf } from "../helpers";

async function gzip(text: string): Promise<ArrayBuffer> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

describe("Segment call types", () => {
  it.each([
    ["/v1/track", { event: "Signup" }, "track", 20],
    ["/v1/t", { event: "Demo Request" }, "track", 50],
    ["/v1/identify", { traits: { email: "A@Example.com " } }, "identify", 0],
    ["/v1/i", { traits: { plan: "pro" } }, "identify", 0],
    ["/v1/page", { name: "Pricing", properties: { path: "/pricing" } }, "page", 5],
    ["/v1/p", {}, "page", 5],
    ["/v1/screen", { name: "Home" }, "screen", 5],
    ["/v1/s", {}, "screen", 5],
    ["/v1/group", { groupId: "acme", traits: { employees: 40 } }, "group", 0],
    ["/v1/g", { groupId: "acme" }, "group", 0],
    ["/v1/alias", { previousId: "old-id" }, "alias", 0],
    ["/v1/a", { previousId: "older-id" }, "alias", 0],
  ])("%s stores a %s call", async (path, fields, type, points) => {
    const t = await newTenant();
    const res = await send(t, path, { userId: "user-1", ...fields });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    const lead = await leadByUserId(t, "user-1");
    expect(lead.eventCount).toBe(1);
    expect(lead.behaviourScore).toBe(points);
    const [entry] = await timelineOf(t, lead.id);
    expect(entry.type).toBe(type);
    expect(entry.scoreDelta).toBe(points);
  });

  it("keeps an email from identify traits as an identity, normalised", async () => {
    const t = await newTenant();
    await send(t, "/v1/identify", { userId: "u-mail", traits: { email: "  Jane.Doe@Example.COM " } });
    const { status, body } = await api(t, "/api/leads/lookup?email=jane.doe@example.com");
    expect(status).toBe(200);
    expect(body.lead.identities).toContainEqual({ kind: "email", value: "jane.doe@example.com" });
  });

  it("finds an anonymous visitor by anonymousId", async () => {
    const t = await newTenant();
    await send(t, "/v1/page", { anonymousId: "anon-42" });
    const { status, body } = await api(t, "/api/leads/lookup?anonymousId=anon-42");
    expect(status).toBe(200);
    expect(body.lead.eventCount).toBe(1);
    expect(body.lead.stage).toBe("cold");
  });
});

describe("batches", () => {
  it.each(["/v1/batch", "/v1/b", "/v1/import"])("%s accepts mixed calls and merges top-level context and integrations", async (path) => {
    const t = await newTenant();
    const res = await send(t, path, {
      context: { library: { name: "test-lib" }, locale: "en" },
      integrations: { All: true },
      batch: [
        { type: "identify", userId: "b1", traits: { name: "B" } },
        { type: "track", userId: "b1", event: "Signup", context: { locale: "fr" } },
        { type: "page", userId: "b1" },
        { type: "track", userId: "b2", event: "Download" },
      ],
    });
    expect(await res.json()).toEqual({ success: true });
    const b1 = await leadByUserId(t, "b1");
    expect(b1.eventCount).toBe(3);
    expect(b1.behaviourScore).toBe(25);
    expect((await leadByUserId(t, "b2")).behaviourScore).toBe(10);
    const events = (await timelineOf(t, b1.id)).map((e) => e.event);
    const signup = events.find((e) => e.event === "Signup");
    expect(signup.context).toEqual({ library: { name: "test-lib" }, locale: "fr" });
    expect(signup.integrations).toEqual({ All: true });
  });

  it("/v1/import inflates gzip bodies", async () => {
    const t = await newTenant();
    const body = await gzip(JSON.stringify({ batch: [{ type: "track", userId: "gz", event: "Signup" }] }));
    const res = await call("/v1/import", {
      method: "POST",
      headers: { Authorization: basic(t.writeKey), "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body,
    });
    expect(res.status).toBe(200);
    expect((await leadByUserId(t, "gz")).behaviourScore).toBe(20);
  });

  it("reads analytics.js's text/plain body with the write key inside it", async () => {
    const t = await newTenant();
    const res = await call("/v1/t", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ writeKey: t.writeKey, userId: "plain", event: "Signup", messageId: "ajs-next-1-abc" }),
    });
    expect(res.status).toBe(200);
    const lead = await leadByUserId(t, "plain");
    const [entry] = await timelineOf(t, lead.id);
    expect(entry.messageId).toBe("ajs-next-1-abc");
    expect(entry.event.writeKey).toBeUndefined();
  });

  it("accepts the good messages of a partly bad batch and names each rejected one", async () => {
    const t = await newTenant();
    const res = await send(t, "/v1/batch", {
      batch: [
        { type: "track", userId: "p1", event: "Signup" },
        { type: "track", userId: "p1" },
        { type: "track", event: "Signup" },
        { type: "page", userId: "p1", properties: [1, 2] },
        { type: "launch", userId: "p1" },
        { type: "track", userId: "p1", event: "Download", messageId: "x".repeat(101) },
        { type: "track", userId: "p1", event: "Download", properties: { blob: "y".repeat(33 * 1024) } },
        { type: "page", userId: "p1" },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.success).toBe(false);
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r: any) => [r.index, r.code])).toEqual([
      [1, "invalid_message"],
      [2, "invalid_message"],
      [3, "invalid_message"],
      [4, "invalid_message"],
      [5, "invalid_message"],
      [6, "message_too_large"],
    ]);
    expect(body.rejected[0].details.map((d: any) => d.path)).toEqual(["event"]);
    expect(body.rejected[1].details.map((d: any) => d.path)).toEqual(["userId"]);
    expect(body.rejected[2].details.map((d: any) => d.path)).toEqual(["properties"]);
    expect(body.rejected[3].details.map((d: any) => d.path)).toEqual(["type"]);
    expect(body.rejected[4].details.map((d: any) => d.path)).toEqual(["messageId"]);
    const lead = await leadByUserId(t, "p1");
    expect(lead.eventCount).toBe(2);
    expect(lead.behaviourScore).toBe(25);
  });
});

describe("normalisation", () => {
  it("generates a messageId, stamps receivedAt and keeps unknown fields", async () => {
    const t = await newTenant();
    const before = Date.now();
    await send(t, "/v1/track", { userId: "n1", event: "Signup", customField: { deep: [1, 2] }, properties: { plan: "pro" } });
    const lead = await leadByUserId(t, "n1");
    const [entry] = await timelineOf(t, lead.id);
    // A content hash (see test/security/partial-batch.test.ts), stored with the event.
    expect(entry.messageId).toMatch(/^h-[0-9a-f]{40}$/);
    expect(entry.event.messageId).toBe(entry.messageId);
    expect(entry.event.customField).toEqual({ deep: [1, 2] });
    expect(entry.event.properties).toEqual({ plan: "pro" });
    expect(Date.parse(entry.receivedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(entry.timestamp).toBe(entry.receivedAt);
  });

  it("corrects client clock skew with sentAt and keeps the original timestamp", async () => {
    const t = await newTenant();
    // The client's clock is two hours fast; the event happened 30 s before it was sent.
    const fast = Date.now() + 2 * 3_600_000;
    await send(t, "/v1/batch", {
      sentAt: new Date(fast).toISOString(),
      batch: [{ type: "track", userId: "skew", event: "Signup", timestamp: new Date(fast - 30_000).toISOString() }],
    });
    const lead = await leadByUserId(t, "skew");
    const [entry] = await timelineOf(t, lead.id);
    const expected = Date.parse(entry.receivedAt) - 30_000;
    expect(Date.parse(entry.timestamp)).toBe(expected);
    expect(entry.event.originalTimestamp).toBe(new Date(fast - 30_000).toISOString());
  });

  it("clamps a timestamp more than a day ahead to receivedAt", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "future", event: "Signup", timestamp: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    const [entry] = await timelineOf(t, (await leadByUserId(t, "future")).id);
    expect(entry.timestamp).toBe(entry.receivedAt);
  });
});

describe("analytics.js support", () => {
  it("answers CORS preflight from any origin with the headers analytics.js sends", async () => {
    const res = await call("/v1/t", {
      method: "OPTIONS",
      headers: {
        Origin: "https://shop.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-retry-count",
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const allowed = res.headers.get("Access-Control-Allow-Headers")!.toLowerCase();
    for (const header of ["authorization", "content-type", "x-retry-count"]) expect(allowed).toContain(header);
  });

  it("serves project settings for a known write key and 401 for an unknown one", async () => {
    const t = await newTenant();
    const res = await call(`/v1/projects/${t.writeKey}/settings`);
    expect(res.status).toBe(200);
    const settings = (await res.json()) as any;
    expect(settings.integrations["Segment.io"]).toMatchObject({ apiKey: t.writeKey, apiHost: "leadflare.test/v1", protocol: "https" });
    expect((await call("/v1/projects/nope/settings")).status).toBe(401);
  });

  it("answers /health", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});
