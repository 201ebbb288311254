import { describe, expect, it } from "vitest";
import { destinationSuite } from "./analytics-crm-suite";
import { ga4Fake } from "../../fakes/analytics-crm";
import { planCalls, type Waiting } from "../../../src/destinations/calls";
import { ga4Name } from "../../../src/destinations/ga4";
import { DESTINATIONS } from "../../../src/destinations/registry";

const body = (r: { body: string }): any => JSON.parse(r.body);
const SECRET = "ga4-secret-0123456789";
const config = { measurementId: "G-TEST1234", apiSecret: SECRET };

/** GA4 against its fake, through the real Worker. */
destinationSuite({
  type: "ga4",
  config,
  secret: ["apiSecret", SECRET],
  badConfig: { config: { measurementId: "UA-1234-1", apiSecret: SECRET }, field: "config.measurementId" },
  fake: () => ga4Fake(),
  // GA4 drops no repeats: every delivery of an event would count.
  tracked: (f) => {
    expect(f.dropped).toEqual([]);
    return f.events.filter((e: any) => e.name === "email_opened");
  },
  scoreOf: (f, userId) => [...f.clients.values()].find((c: any) => c.userId === userId)?.userProperties.lead_score?.value,
  itemsOf: (r) => body(r).events.length,
  maxItems: 25,
  // A request per lead: 6 leads' 10 events and changes.
  maxCalls: 12,
  checkRequest: (r) => {
    expect(r.url.pathname).toBe("/mp/collect");
    expect(r.url.searchParams.get("measurement_id")).toBe("G-TEST1234");
    expect(r.url.searchParams.get("api_secret")).toBe(SECRET);
    const b = body(r);
    expect(new Set(b.events.map((e: any) => typeof e.timestamp_micros)).size).toBe(1);
    expect(b.user_id).toMatch(/^ga4-/);
  },
  throttled: { status: 429, headers: { "Retry-After": "0" } },
  permanent: { status: 403, body: "Forbidden" },
});

describe("GA4 planning and names", () => {
  const waiting = (seq: number, leadId: string): Waiting => {
    const lead = { id: leadId, score: seq, behaviourScore: 0, icpScore: 0, stage: "cold", grade: "F", velocity: 0, userId: leadId, email: null };
    return { seq, leadId, item: { messageId: `m${seq}`, kind: "event", lead, event: { type: "track", event: "x" } } };
  };

  it("plans a request per lead (one client each), in order, at most 25 events each", () => {
    const items = Array.from({ length: 70 }, (_, i) => waiting(i, `lead-${i % 2}`));
    const lanes = planCalls(DESTINATIONS.ga4, config, items);
    expect(lanes.map((lane) => lane.map((c) => c.send.length))).toEqual([[25, 10], [25, 10]]);
    for (const lane of lanes) {
      const leads = new Set(lane.flatMap((c) => c.send.map((i) => i.lead.id)));
      expect(leads.size).toBe(1);
      const seqs = lane.flatMap((c) => c.settles.map((w) => w.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it("turns names into GA4's: snake case, a letter first, 40 characters, no reserved prefix", () => {
    expect(ga4Name("Demo Request")).toBe("demo_request");
    expect(ga4Name("pageViewed")).toBe("page_viewed");
    expect(ga4Name("3d model")).toBe("e_3d_model");
    expect(ga4Name("google_thing")).toBe("x_google_thing");
    expect(ga4Name("x".repeat(60))).toHaveLength(40);
  });
});
