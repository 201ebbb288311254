import { expect } from "vitest";
import { destinationSuite } from "./analytics-crm-suite";
import { INTERCOM_ATTRIBUTES, intercomFake } from "../../fakes/analytics-crm";

const body = (r: { body: string }): any => (r.body ? JSON.parse(r.body) : null);
const TOKEN = "ic-token-0123456789";

/** Intercom against its fake, through the real Worker: contacts keep the scores, events go as data events. */
destinationSuite({
  type: "intercom",
  config: { accessToken: TOKEN, sendEvents: true },
  secret: ["accessToken", TOKEN],
  badConfig: { config: { accessToken: TOKEN, region: "mars" }, field: "config.region" },
  fake: () => intercomFake(),
  tracked: (f) => f.events.filter((e: any) => e.event_name === "Email Opened"),
  scoreOf: (f, _userId, email) => f.contacts.get(email)?.custom_attributes.lead_score,
  itemsOf: (r) => (r.url.pathname === "/contacts/search" ? body(r).pagination.per_page : 1),
  maxItems: 1,
  // One call per event (60), and per person a search and a create or update for each round of changes.
  maxCalls: 120,
  checkRequest: (r) => {
    expect(r.headers.get("Authorization")).toBe(`Bearer ${TOKEN}`);
    expect(r.headers.get("Intercom-Version")).toBe("2.11");
    const b = body(r);
    if (b?.custom_attributes) expect(Object.keys(b.custom_attributes).sort()).toEqual([...INTERCOM_ATTRIBUTES].sort());
    if (r.url.pathname === "/events") expect(b).toMatchObject({ email: expect.stringMatching(/@example\.com$/), metadata: { lead_score: expect.any(Number), campaign: "launch" } });
  },
  throttled: { status: 429, headers: { "X-RateLimit-Reset": String(Math.floor(Date.now() / 1000)) } },
  permanent: { status: 401, body: JSON.stringify({ type: "error.list", errors: [{ code: "unauthorized", message: "Access Token Invalid" }] }) },
});
