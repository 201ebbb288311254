import { expect } from "vitest";
import { destinationSuite } from "./analytics-crm-suite";
import { amplitudeFake, amplitudeThrottled } from "../../fakes/analytics-crm";

const body = (r: { body: string }): any => JSON.parse(r.body);
const KEY = "amp-key-0123456789";

/** Amplitude against its fake, through the real Worker; its throttling 429 carries no Retry-After. */
destinationSuite({
  type: "amplitude",
  config: { apiKey: KEY },
  secret: ["apiKey", KEY],
  badConfig: { config: { apiKey: KEY, region: "mars" }, field: "config.region" },
  fake: () => amplitudeFake(),
  tracked: (f) => [...new Map(f.events.filter((e: any) => e.event_type === "Email Opened").map((e: any) => [e.insert_id, e])).values()],
  scoreOf: (f, userId) =>
    f.events.filter((e: any) => e.event_type === "$identify" && e.user_id === userId && e.user_properties.$set.lead_score !== undefined).at(-1)?.user_properties.$set.lead_score,
  itemsOf: (r) => body(r).events.length,
  maxItems: 2000,
  maxCalls: 8,
  checkRequest: (r) => {
    expect(r.url.pathname).toBe("/batch");
    expect(body(r)).toMatchObject({ api_key: KEY, options: { min_id_length: 1 } });
    for (const e of body(r).events) expect(e).toMatchObject({ insert_id: expect.any(String), time: expect.any(Number), device_id: expect.any(String), user_id: expect.any(String) });
  },
  throttled: amplitudeThrottled("amplitude-r0"),
  permanent: { status: 400, body: JSON.stringify({ code: 400, error: "Invalid API key" }) },
});
