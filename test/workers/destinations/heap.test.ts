import { expect } from "vitest";
import { destinationSuite } from "./analytics-crm-suite";
import { heapFake } from "../../fakes/analytics-crm";

const body = (r: { body: string }): any => JSON.parse(r.body);

/** Heap against its fake, through the real Worker (paced at 15 calls a minute: its retries take a while). */
destinationSuite({
  type: "heap",
  config: { appId: "1234567" },
  secret: null,
  badConfig: { config: { appId: "abc" }, field: "config.appId" },
  fake: () => heapFake(),
  tracked: (f) => f.events.filter((e: any) => e.event === "Email Opened"),
  scoreOf: (f, userId) => f.users.get(userId)?.lead_score,
  itemsOf: (r) => (body(r).events ?? body(r).users).length,
  maxItems: 1000,
  // A call with events and changes is two requests (track, then user properties).
  maxCalls: 16,
  checkRequest: (r) => {
    expect(["/api/track", "/api/add_user_properties"]).toContain(r.url.pathname);
    expect(body(r).app_id).toBe("1234567");
    for (const e of body(r).events ?? []) expect(e).toMatchObject({ identity: expect.any(String), idempotency_key: expect.any(String), timestamp: expect.any(String) });
    for (const u of body(r).users ?? []) expect(u.properties).toMatchObject({ lead_score: expect.any(Number), lead_stage: expect.any(String) });
  },
  throttled: { status: 429, headers: { "Retry-After": "0" } },
  permanent: { status: 400, body: "Invalid app_id" },
});
