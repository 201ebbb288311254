import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { api, eventually, leadByUserId, newTenant, send } from "../helpers";
import { addDestination } from "./warehouse-stream-suite";
import { newTable, postgresUrl, q } from "./postgres-helpers";
import { installFakes, type FakeService } from "../../fakes/fake-service";
import { attioFake, hubspotFake, mixpanelFake, segmentFake, slackFake, webhookReceiver } from "../../fakes/services";
import { PIPEDRIVE_FIELDS, amplitudeFake, customerioFake, ga4Fake, heapFake, intercomFake, pipedriveFake, posthogFake } from "../../fakes/analytics-crm";
import { cardItems, discordFake, elasticsearchFake, mailchimpFake, salesforceFake, sendgridFake, teamsFake, twilioFake } from "../../fakes/messaging-search-salesforce";
import { bigqueryFake, clickhouseFake, googleTokenFake, kafkaFake, s3Fake, SERVICE_ACCOUNT_EMAIL, testServiceAccount, upstashFake } from "../../fakes/warehouses-streams";
import { DESTINATION_TYPES, DESTINATIONS } from "../../../src/destinations/registry";
import { uuidFor } from "../../../src/destinations/item-fields";
import type { DeliveryItem } from "../../../src/destinations/types";

/**
 * One namespace with one destination of every registered type, each pointed
 * at its fake, and 1,000 events through all of them at once: nothing lost
 * anywhere. A type added to the registry must add its row to CASES (the
 * test fails naming it until it does).
 */
interface Case {
  config: Record<string, unknown>;
  fakes: FakeService[];
  /** messageIds the outside system holds, one per item it stored. */
  received(): Promise<string[]>;
  /** Whether it stores every item it is sent, events and changes (warehouses, streams): then it holds exactly what was delivered. */
  storesEveryItem: boolean;
  /** Takes an identify call as an update of the person, not as an event (GA4, Customer.io, Intercom): it must hold every track event. */
  identifyUpdatesPerson?: true;
  /** For a system keeping one record per person: the lead score that person holds now (it must end at the lead's score). */
  scoreOf?: (userId: string, email: string) => unknown;
  /** For a system that keeps no messageId but one entry per item it is sent (a chat embed, an SMS): how many it holds, which must be what was delivered. */
  itemsHeld?: () => number;
}

const LEADS = 20;
const EVENTS = 1_000;
const SID = `AC${"0123456789abcdef".repeat(2)}`;

// Each lead first gets an email (CRMs key on it), then track events: 1,000 messages in all.
const start = Date.now() - 3_600_000;
const messages: Record<string, unknown>[] = [];
for (let lead = 0; lead < LEADS; lead++) {
  messages.push({ type: "identify", userId: `all-${lead}`, traits: { email: `all-${lead}@example.com` }, messageId: `all-${lead}-id`, timestamp: new Date(start).toISOString() });
}
for (let k = 0; messages.length < EVENTS; k++) {
  for (let lead = 0; lead < LEADS && messages.length < EVENTS; lead++) {
    messages.push({ type: "track", userId: `all-${lead}`, event: k % 7 === 0 ? "Pricing Viewed" : "Page Viewed", messageId: `all-${lead}-${k}`, timestamp: new Date(start + (k + 1) * 1000).toISOString() });
  }
}
const ids = messages.map((m) => m.messageId as string);
const trackIds = messages.filter((m) => m.type === "track").map((m) => m.messageId as string);
/**
 * Systems that keep no messageId (GA4, Customer.io's ULID, Intercom) are
 * read back by lead and second: each lead's track events are a second apart,
 * so a lead's event at a second names one message.
 */
const trackBySecond = new Map(messages.filter((m) => m.type === "track").map((m) => [`${m.userId}@${Math.floor(Date.parse(m.timestamp as string) / 1000)}`, m.messageId as string]));
const bySecond = (userId: string, seconds: number) => trackBySecond.get(`${userId}@${seconds}`) ?? `unknown ${userId}@${seconds}`;
const userOf = (email: string) => email.split("@")[0]!;
const eventIdByUuid = new Map(await Promise.all(ids.map(async (id) => [await uuidFor(id), id] as const)));
const isEventId = new Set(ids);

const account = await testServiceAccount();

async function cases(): Promise<Record<string, Case>> {
  const webhook = webhookReceiver();
  const slack = slackFake();
  const mixpanel = mixpanelFake();
  const attio = attioFake();
  const hubspot = hubspotFake();
  const segment = segmentFake();
  const clickhouse = clickhouseFake();
  const kafka = kafkaFake();
  const redis = upstashFake();
  const s3 = s3Fake();
  const token = googleTokenFake(SERVICE_ACCOUNT_EMAIL, account.publicKey);
  const bigquery = bigqueryFake(token.issued);
  const posthog = posthogFake();
  const amplitude = amplitudeFake();
  const heap = heapFake();
  const customerio = customerioFake();
  const ga4 = ga4Fake();
  const intercom = intercomFake();
  const pipedrive = pipedriveFake();
  const discord = discordFake();
  const teams = teamsFake();
  const sendgrid = sendgridFake();
  const mailchimp = mailchimpFake();
  const twilio = twilioFake(SID, "tw-token");
  const elasticsearch = elasticsearchFake("ApiKey es-key");
  const salesforce = salesforceFake("sf-id", "sf-secret");
  const table = await newTable();
  const bodies = (fake: FakeService) => fake.requests.map((r) => JSON.parse(r.body));
  return {
    webhook: { config: { url: "https://hooks.customer.fake/in" }, fakes: [webhook], storesEveryItem: false, received: async () => bodies(webhook).map((b) => b.messageId) },
    // Slack is paced at one call a second: it gets only what a person reads, here nothing.
    slack: { config: { webhookUrl: "https://hooks.slack.fake/x", events: ["never_sent"], stageChanges: false }, fakes: [slack], storesEveryItem: false, received: async () => [] },
    mixpanel: { config: { token: "mp-token", apiSecret: "mp-secret" }, fakes: [mixpanel], storesEveryItem: false, received: async () => mixpanel.events.map((e) => e.properties.$insert_id) },
    attio: { config: { apiKey: "attio-key" }, fakes: [attio], storesEveryItem: false, received: async () => [] },
    hubspot: { config: { accessToken: "hs-token" }, fakes: [hubspot], storesEveryItem: false, received: async () => [] },
    segment: { config: { writeKey: "k", endpoint: "https://segment.fake" }, fakes: [segment], storesEveryItem: false, received: async () => bodies(segment).flatMap((b) => b.batch.map((m: any) => m.messageId)) },
    clickhouse: {
      config: { url: "https://clickhouse.fake", database: "analytics", table: "leadflare_events", user: "leadflare", password: "ch-secret" },
      fakes: [clickhouse],
      storesEveryItem: true,
      received: async () => clickhouse.rows.map((r) => r.message_id),
    },
    kafka: { config: { url: "https://kafka.fake", topic: "leadflare-events", apiKey: "kafka-key", apiSecret: "kafka-secret" }, fakes: [kafka], storesEveryItem: true, received: async () => kafka.records().map((r) => r.value.message_id) },
    // Redis keeps events in the stream and a lead's latest scores in its hash: only events are counted.
    redis: { config: { url: "https://upstash.fake", token: "upstash-token" }, fakes: [redis], storesEveryItem: false, received: async () => (redis.streams.get("leadflare:events") ?? []).map((e) => e.message_id!) },
    s3: {
      config: { endpoint: "https://s3.fake", bucket: "lf-drops", accessKeyId: "AKIDLEADFLARE", secretAccessKey: "s3-secret-key" },
      fakes: [s3],
      storesEveryItem: true,
      received: async () => s3.rows().map((r) => r.message_id),
    },
    bigquery: {
      config: { projectId: "lf-project", datasetId: "analytics", serviceAccountKey: account.json },
      fakes: [bigquery, token],
      storesEveryItem: true,
      received: async () => bigquery.rows.map((r) => r.message_id),
    },
    postgres: { config: { url: postgresUrl, table, ssl: false }, fakes: [], storesEveryItem: true, received: async () => (await q(`SELECT message_id FROM ${table}`)).map((r) => r.message_id as string) },
    // PostHog, Amplitude and Heap hold events and score changes ($set, $identify, user properties): only events are counted.
    posthog: {
      config: { apiKey: "phc_test_0123456789", host: "https://posthog.fake" },
      fakes: [posthog],
      storesEveryItem: false,
      received: async () => posthog.events.flatMap((e) => (eventIdByUuid.has(e.uuid) ? [eventIdByUuid.get(e.uuid)!] : [])),
      scoreOf: (userId) => posthog.events.filter((e) => e.event === "$set" && e.properties.distinct_id === userId).at(-1)?.properties.$set.lead_score,
    },
    amplitude: {
      config: { apiKey: "amp-key-0123456789" },
      fakes: [amplitude],
      storesEveryItem: false,
      received: async () => amplitude.events.map((e) => e.insert_id).filter((id) => isEventId.has(id)),
      scoreOf: (userId) => amplitude.events.filter((e) => e.event_type === "$identify" && e.user_id === userId && e.user_properties.$set.lead_score !== undefined).at(-1)?.user_properties.$set.lead_score,
    },
    // Heap is paced at 15 calls a minute; its bulk calls take 1,000 entries, so 1,000 events need few calls.
    heap: { config: { appId: "1234567" }, fakes: [heap], storesEveryItem: false, received: async () => heap.events.map((e) => e.idempotency_key), scoreOf: (userId) => heap.users.get(userId)?.lead_score },
    customerio: {
      config: { siteId: "site-1", apiKey: "cio-key-0123456789" },
      fakes: [customerio],
      storesEveryItem: false,
      identifyUpdatesPerson: true,
      received: async () => customerio.events.map((e) => bySecond(userOf(e.identifiers.email), e.timestamp)),
      scoreOf: (_userId, email) => customerio.people.get(JSON.stringify({ email }))?.lead_score,
    },
    ga4: {
      config: { measurementId: "G-TEST1234", apiSecret: "ga4-secret-0123456789" },
      fakes: [ga4],
      storesEveryItem: false,
      identifyUpdatesPerson: true,
      received: async () => ga4.events.filter((e) => e.name !== "lead_score_change").map((e) => bySecond(e.user_id, Math.floor(e.timestamp_micros / 1_000_000))),
      scoreOf: (userId) => [...ga4.clients.values()].find((c) => c.userId === userId)?.userProperties.lead_score?.value,
    },
    // Intercom takes events one a call (500 calls in 10 s): 980 track events fit the test's time.
    intercom: {
      config: { accessToken: "ic-token-0123456789", sendEvents: true },
      fakes: [intercom],
      storesEveryItem: false,
      identifyUpdatesPerson: true,
      received: async () => intercom.events.map((e) => bySecond(userOf(e.email), e.created_at)),
      scoreOf: (_userId, email) => intercom.contacts.get(email)?.custom_attributes.lead_score,
    },
    // Pipedrive takes no events, only each person's latest scores (coalesced, a call or two a person).
    pipedrive: { config: { apiToken: "pd-token-0123456789", fields: PIPEDRIVE_FIELDS }, fakes: [pipedrive], storesEveryItem: false, received: async () => [], scoreOf: (_userId, email) => pipedrive.byEmail(email)?.[PIPEDRIVE_FIELDS.score] },
    // Discord (30 calls a minute) and Teams post what a person reads: stage changes (here each lead's first), and no events of these names.
    discord: { config: { webhookUrl: "https://discord.fake/api/webhooks/1/all" }, fakes: [discord], storesEveryItem: false, received: async () => [], itemsHeld: () => discord.messages.flatMap((m) => m.embeds).length },
    teams: { config: { webhookUrl: "https://teams.fake/workflows/all" }, fakes: [teams], storesEveryItem: false, received: async () => [], itemsHeld: () => teams.requests.flatMap(cardItems).length },
    sendgrid: {
      config: { apiKey: "SG.test-key", customFields: { score: "e1_N", stage: "e2_T" } },
      fakes: [sendgrid],
      storesEveryItem: false,
      received: async () => [],
      scoreOf: (_userId, email) => sendgrid.contacts.get(email)?.custom_fields.e1_N,
    },
    mailchimp: { config: { apiKey: "mc-key-us21", listId: "a1b2c3d4e5" }, fakes: [mailchimp], storesEveryItem: false, received: async () => [], scoreOf: (_userId, email) => mailchimp.members.get(email)?.merge_fields.LEADSCORE },
    // Twilio texts (one SMS a second) when a lead enters a stage. This traffic keeps every lead cold, so its only
    // stage changes are each lead's first (to cold): Twilio is set to text those, 20 SMS, rather than receive nothing.
    twilio: { config: { accountSid: SID, authToken: "tw-token", from: "+14155550100", to: "+14155550123", stages: ["cold"] }, fakes: [twilio], storesEveryItem: false, received: async () => [], itemsHeld: () => twilio.sms.length },
    // Elasticsearch indexes every item, events and score changes, one document by messageId.
    elasticsearch: {
      config: { url: "https://es.fake", apiKey: "es-key", index: "all-events" },
      fakes: [elasticsearch],
      storesEveryItem: true,
      received: async () => [...elasticsearch.docs.values()].map((d) => d.messageId),
    },
    salesforce: {
      config: { instanceUrl: "https://acme.salesforce.fake", clientId: "sf-id", clientSecret: "sf-secret" },
      fakes: [salesforce],
      storesEveryItem: false,
      received: async () => [],
      scoreOf: (_userId, email) => salesforce.leads.get(email)?.Lead_Score__c,
    },
  };
}

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

describe("every destination at once", () => {
  it("each type's config is described by a JSON Schema (what the console's catalogue renders forms from)", () => {
    for (const type of DESTINATION_TYPES) {
      const schema = z.toJSONSchema(DESTINATIONS[type].config) as { properties?: Record<string, unknown> };
      expect(Object.keys(schema.properties ?? {}).length, type).toBeGreaterThan(0);
    }
  });

  it("1,000 events through one destination of each registered type: nothing lost, nothing twice", async () => {
    const table = await cases();
    expect(DESTINATION_TYPES.filter((type) => !(type in table)), "types without a row in CASES").toEqual([]);
    uninstall = installFakes(...Object.values(table).flatMap((c) => c.fakes));
    const t = await newTenant("all");
    const created = new Map<string, string>();
    for (const type of DESTINATION_TYPES) created.set(type, (await addDestination(t, { name: type, type, config: table[type]!.config })).id);

    for (let i = 0; i < messages.length; i += 100) expect((await send(t, "/v1/batch", { batch: messages.slice(i, i + 100) })).status).toBe(200);

    const sample: DeliveryItem = { messageId: "x", kind: "event", lead: { id: "l", score: 0, behaviourScore: 0, icpScore: 0, stage: "cold", grade: "F", velocity: 0, userId: "u", email: "e@x" }, event: { type: "track", event: "Page Viewed" } };
    const log = async (type: string) => (await api(t, `/api/destinations/${created.get(type)}/deliveries?limit=1`)).body.counts as Record<string, number>;
    await eventually(
      async () => {
        for (const type of DESTINATION_TYPES) {
          const c = table[type]!;
          const counts = await log(type);
          const dead = counts.dead ? (await api(t, `/api/destinations/${created.get(type)}/deliveries?status=dead&limit=1`)).body.deliveries[0]?.lastError : "";
          expect(Object.keys(counts).filter((status) => status !== "delivered"), `${type}: nothing waiting, retrying or dead ${dead}`).toEqual([]);
          if (DESTINATIONS[type].accepts(sample, DESTINATIONS[type].config.parse(c.config))) {
            const received = new Set(await c.received());
            expect((c.identifyUpdatesPerson ? trackIds : ids).filter((id) => !received.has(id)).length, `${type}: events missing`).toBe(0);
          }
        }
      },
      120_000,
      1_000,
    );
    // Systems keeping one record per person: every person ends with the lead's latest score.
    for (let lead = 0; lead < LEADS; lead++) {
      const score = (await leadByUserId(t, `all-${lead}`)).score;
      for (const type of DESTINATION_TYPES) {
        const scoreOf = table[type]!.scoreOf;
        if (scoreOf) await eventually(() => Promise.resolve(expect(scoreOf(`all-${lead}`, `all-${lead}@example.com`), `${type} all-${lead}`).toBe(score)), 30_000, 500);
      }
    }
    const summary: Record<string, { delivered: number; received: number }> = {};
    for (const type of DESTINATION_TYPES) {
      const received = await table[type]!.received();
      const delivered = (await log(type)).delivered ?? 0;
      summary[type] = { delivered, received: received.length };
      expect(received.length, `${type}: nothing stored twice`).toBe(new Set(received).size);
      if (table[type]!.storesEveryItem) expect(received.length, `${type}: holds every delivered item`).toBe(delivered);
      const held = table[type]!.itemsHeld?.();
      if (held !== undefined) expect(held, `${type}: one entry per delivered item`).toBe(delivered);
    }
    console.log(`every destination type: ${EVENTS} events over ${LEADS} leads → ${JSON.stringify(summary)}`);
  }, 180_000);
});
