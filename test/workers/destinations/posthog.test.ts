import { expect } from "vitest";
import { destinationSuite } from "./analytics-crm-suite";
import { posthogFake } from "../../fakes/analytics-crm";

const body = (r: { body: string }): any => JSON.parse(r.body);
const KEY = "phc_test_0123456789";

/** PostHog against its fake, through the real Worker. */
destinationSuite({
  type: "posthog",
  config: { apiKey: KEY, host: "https://posthog.fake" },
  secret: ["apiKey", KEY],
  badConfig: { config: { apiKey: KEY, host: "not a url" }, field: "config.host" },
  fake: () => posthogFake(),
  tracked: (f) => [...new Map(f.events.filter((e: any) => e.event === "Email Opened").map((e: any) => [e.uuid, e])).values()],
  scoreOf: (f, userId) => f.events.filter((e: any) => e.event === "$set" && e.properties.distinct_id === userId).at(-1)?.properties.$set.lead_score,
  itemsOf: (r) => body(r).batch.length,
  maxItems: 1000,
  maxCalls: 8,
  checkRequest: (r) => {
    expect(r.method).toBe("POST");
    expect(r.url.pathname).toBe("/batch/");
    expect(body(r)).toMatchObject({ api_key: KEY, historical_migration: false });
    for (const e of body(r).batch) {
      expect(e.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.parse(e.timestamp)).toBeGreaterThan(Date.now() - 3_600_000);
    }
  },
  throttled: { status: 429, headers: { "Retry-After": "0" } },
  permanent: { status: 400, body: JSON.stringify({ type: "validation_error", code: "invalid_payload", detail: "Invalid payload" }) },
});
