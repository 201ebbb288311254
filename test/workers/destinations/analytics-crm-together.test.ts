import { afterEach, describe, expect, it } from "vitest";
import { api, eventually, leadByUserId, newTenant } from "../helpers";
import { addDestination, sendTraffic } from "./analytics-crm-suite";
import { installFakes } from "../../fakes/fake-service";
import { PIPEDRIVE_FIELDS, amplitudeFake, customerioFake, ga4Fake, heapFake, intercomFake, pipedriveFake, posthogFake } from "../../fakes/analytics-crm";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const LEADS = 20;
const PER_LEAD = 50;

describe("GA4, Amplitude, PostHog, Heap, Customer.io, Intercom and Pipedrive at once", () => {
  it("1,000 events of 20 leads reach every destination once, and every person ends with the lead's score", async () => {
    const fakes = {
      posthog: posthogFake(),
      amplitude: amplitudeFake(),
      heap: heapFake(),
      customerio: customerioFake(),
      ga4: ga4Fake(),
      intercom: intercomFake(),
      pipedrive: pipedriveFake(),
    };
    uninstall = installFakes(...Object.values(fakes));
    const t = await newTenant();
    const configs: Record<keyof typeof fakes, Record<string, unknown>> = {
      posthog: { apiKey: "phc_test_0123456789", host: "https://posthog.fake" },
      amplitude: { apiKey: "amp-key-0123456789" },
      heap: { appId: "1234567" },
      customerio: { siteId: "site-1", apiKey: "cio-key-0123456789" },
      ga4: { measurementId: "G-TEST1234", apiSecret: "ga4-secret-0123456789" },
      intercom: { accessToken: "ic-token-0123456789", sendEvents: true },
      pipedrive: { apiToken: "pd-token-0123456789", fields: PIPEDRIVE_FIELDS },
    };
    const ids: Record<string, string> = {};
    for (const [type, config] of Object.entries(configs)) ids[type] = (await addDestination(t, { name: type, type, config })).id;

    await sendTraffic(t, "all", LEADS, PER_LEAD);
    const events = LEADS * PER_LEAD;
    // Every delivery of an "Email Opened" event, repeats included: each must be there exactly once.
    const delivered = {
      posthog: () => fakes.posthog.events.filter((e) => e.event === "Email Opened").map((e) => e.uuid),
      amplitude: () => fakes.amplitude.events.filter((e) => e.event_type === "Email Opened").map((e) => e.insert_id),
      heap: () => fakes.heap.events.filter((e) => e.event === "Email Opened").map((e) => e.idempotency_key),
      customerio: () => fakes.customerio.events.filter((e) => e.name === "Email Opened").map((e) => e.id),
      ga4: () => fakes.ga4.events.filter((e) => e.name === "email_opened").map((e) => `${e.client_id}/${e.params.n}`),
      intercom: () => fakes.intercom.events.filter((e) => e.event_name === "Email Opened").map((e) => `${e.email}/${e.created_at}`),
    };
    for (const [type, list] of Object.entries(delivered)) {
      await eventually(() => Promise.resolve(expect(list().length, type).toBe(events)), 150_000, 500);
      expect(new Set(list()).size, type).toBe(events);
    }
    expect(fakes.ga4.dropped).toEqual([]);

    const scores: Record<string, (userId: string, email: string) => unknown> = {
      posthog: (userId) => fakes.posthog.events.filter((e) => e.event === "$set" && e.properties.distinct_id === userId).at(-1)?.properties.$set.lead_score,
      amplitude: (userId) => fakes.amplitude.events.filter((e) => e.event_type === "$identify" && e.user_id === userId && e.user_properties.$set.lead_score !== undefined).at(-1)?.user_properties.$set.lead_score,
      heap: (userId) => fakes.heap.users.get(userId)?.lead_score,
      customerio: (_userId, email) => fakes.customerio.people.get(JSON.stringify({ email }))?.lead_score,
      ga4: (userId) => [...fakes.ga4.clients.values()].find((c) => c.userId === userId)?.userProperties.lead_score?.value,
      intercom: (_userId, email) => fakes.intercom.contacts.get(email)?.custom_attributes.lead_score,
      pipedrive: (_userId, email) => fakes.pipedrive.byEmail(email)?.[PIPEDRIVE_FIELDS.score],
    };
    for (let l = 0; l < LEADS; l++) {
      const userId = `all${l}`;
      const lead = await leadByUserId(t, userId);
      for (const [type, scoreOf] of Object.entries(scores)) {
        await eventually(() => Promise.resolve(expect(scoreOf(userId, `${userId}@example.com`), `${type} ${userId}`).toBe(lead.score)), 60_000, 500);
      }
    }
    for (const [type, id] of Object.entries(ids)) {
      await eventually(async () => expect(Object.keys((await api(t, `/api/destinations/${id}/deliveries`)).body.counts), type).toEqual(["delivered"]), 60_000, 500);
    }
    const calls = Object.fromEntries(Object.entries(fakes).map(([type, fake]) => [type, fake.requests.length]));
    console.log(`analytics and CRM destinations: ${events} events of ${LEADS} leads; calls per destination ${JSON.stringify(calls)}`);
  }, 300_000);
});
