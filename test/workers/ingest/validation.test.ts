import { describe, expect, it } from "vitest";
import { api, basic, call, newTenant, send } from "../helpers";

async function leadCount(t: Awaited<ReturnType<typeof newTenant>>, userId: string): Promise<number> {
  const { status, body } = await api(t, `/api/leads/lookup?userId=${userId}`);
  return status === 404 ? 0 : body.lead.eventCount;
}

describe("write key", () => {
  it("401 without a write key", async () => {
    const res = await call("/v1/track", { method: "POST", body: JSON.stringify({ userId: "x", event: "Signup" }) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("401 for an unknown write key, in the header or the body", async () => {
    const header = await call("/v1/track", {
      method: "POST",
      headers: { Authorization: basic("wk_unknown") },
      body: JSON.stringify({ userId: "x", event: "Signup" }),
    });
    expect(header.status).toBe(401);
    const body = await call("/v1/batch", { method: "POST", body: JSON.stringify({ writeKey: "wk_unknown", batch: [] }) });
    expect(body.status).toBe(401);
  });

  it("accepts a write key in the body of a batch", async () => {
    const t = await newTenant();
    const res = await call("/v1/batch", {
      method: "POST",
      body: JSON.stringify({ writeKey: t.writeKey, batch: [{ type: "track", userId: "bodykey", event: "Signup" }] }),
    });
    expect(res.status).toBe(200);
    expect(await leadCount(t, "bodykey")).toBe(1);
  });
});

describe("bad input changes nothing", () => {
  it.each([
    ["malformed JSON", "{\"userId\": \"m1\", \"event\": ", 400, "invalid_json"],
    ["an empty body", "", 400, "invalid_json"],
    ["a JSON array", "[1,2]", 400, "invalid_request"],
    ["no userId or anonymousId", { event: "Signup" }, 400, "invalid_message"],
    ["track without event", { userId: "m1" }, 400, "invalid_message"],
    ["a numeric event name", { userId: "m1", event: 42 }, 400, "invalid_message"],
    ["properties that are a string", { userId: "m1", event: "Signup", properties: "x" }, 400, "invalid_message"],
    ["traits that are null", { userId: "m1", event: "Signup", traits: null }, 400, "invalid_message"],
    ["a messageId over 100 characters", { userId: "m1", event: "Signup", messageId: "m".repeat(101) }, 400, "invalid_message"],
    ["an unparseable timestamp", { userId: "m1", event: "Signup", timestamp: "yesterday-ish" }, 400, "invalid_message"],
    ["a message over 32 KB", { userId: "m1", event: "Signup", properties: { big: "z".repeat(33 * 1024) } }, 413, "payload_too_large"],
  ])("%s → %i", async (_label, body, status, code) => {
    const t = await newTenant();
    const res = await send(t, "/v1/track", body);
    expect(res.status).toBe(status);
    const answer = (await res.json()) as any;
    expect(answer.error.code).toBe(code);
    expect(typeof answer.error.message).toBe("string");
    expect(await leadCount(t, "m1")).toBe(0);
  });

  it("names the failing field in details", async () => {
    const t = await newTenant();
    const res = await send(t, "/v1/track", { userId: "m2", event: "Signup", properties: [] });
    const answer = (await res.json()) as any;
    expect(answer.error.details).toEqual([expect.objectContaining({ path: "properties" })]);
  });

  it("refuses a batch over 500 KB with 413 and stores none of it", async () => {
    const t = await newTenant();
    const batch = Array.from({ length: 40 }, (_, i) => ({ type: "track", userId: "big", event: "Signup", messageId: `b${i}`, properties: { pad: "p".repeat(14_000) } }));
    const res = await send(t, "/v1/batch", { batch });
    expect(res.status).toBe(413);
    expect(await leadCount(t, "big")).toBe(0);
  });

  it("refuses a batch of 2,501 messages with 413 and stores none of it", async () => {
    const t = await newTenant();
    const batch = Array.from({ length: 2501 }, () => ({ type: "page", userId: "many" }));
    const res = await send(t, "/v1/batch", { batch });
    expect(res.status).toBe(413);
    expect(await leadCount(t, "many")).toBe(0);
  });

  it("answers 400 when no message of a batch is valid, naming each", async () => {
    const t = await newTenant();
    const res = await send(t, "/v1/batch", { batch: [{ type: "track", userId: "m3" }, { event: "x" }] });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as any;
    expect(answer.error.code).toBe("invalid_batch");
    expect(answer.error.details.rejected.map((r: any) => r.index)).toEqual([0, 1]);
    expect(await leadCount(t, "m3")).toBe(0);
  });

  it("answers 400 naming `batch` when it is not an array", async () => {
    const t = await newTenant();
    const res = await send(t, "/v1/batch", { batch: { type: "track" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.details[0].path).toBe("batch");
  });

  it("answers 404 in the error shape for unknown routes", async () => {
    const res = await call("/v2/nothing");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
