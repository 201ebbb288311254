import { expect } from "vitest";
import { destinationSuite } from "./analytics-crm-suite";
import { customerioFake } from "../../fakes/analytics-crm";

const body = (r: { body: string }): any => JSON.parse(r.body);
const KEY = "cio-key-0123456789";

/** Customer.io against its fake, through the real Worker. */
destinationSuite({
  type: "customerio",
  config: { siteId: "site-1", apiKey: KEY },
  secret: ["apiKey", KEY],
  badConfig: { config: { siteId: "site-1", apiKey: "has spaces" }, field: "config.apiKey" },
  fake: () => customerioFake(),
  tracked: (f) => f.events.filter((e: any) => e.name === "Email Opened"),
  scoreOf: (f, _userId, email) => f.people.get(JSON.stringify({ email }))?.lead_score,
  itemsOf: (r) => body(r).batch.length,
  maxItems: 1000,
  maxCalls: 8,
  checkRequest: (r) => {
    expect(r.url.pathname).toBe("/api/v2/batch");
    expect(r.headers.get("Authorization")).toBe(`Basic ${btoa(`site-1:${KEY}`)}`);
    for (const e of body(r).batch) {
      expect(e.type).toBe("person");
      expect(e.identifiers.email).toMatch(/@example\.com$/);
      if (e.action === "event") expect(e.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    }
  },
  throttled: { status: 429, headers: { "Retry-After": "0" } },
  permanent: { status: 401, body: JSON.stringify({ meta: { error: "Unauthorized request" } }) },
});
