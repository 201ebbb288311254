import { describe, expect, it } from "vitest";
import { call, newTenant, send, leadByUserId } from "./helpers";

describe("smoke", () => {
  it("health", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
  });
  it("track then read", async () => {
    const t = await newTenant();
    const res = await send(t, "/v1/track", { userId: "u1", event: "Signup" });
    expect(await res.json()).toEqual({ success: true });
    const lead = await leadByUserId(t, "u1");
    expect(lead.behaviourScore).toBe(20);
  });
});
