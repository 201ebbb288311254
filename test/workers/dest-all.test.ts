import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { api, eventually, newTenant, send } from "./helpers";
import { addDestination } from "./dest-c-helpers";
import { newTable, postgresUrl, q } from "./postgres-helpers";
import { installFakes, type FakeService } from "../fakes/fake-service";
import { attioFake, hubspotFake, mixpanelFake, segmentFake, slackFake, webhookReceiver } from "../fakes/services";
import { bigqueryFake, clickhouseFake, googleTokenFake, kafkaFake, s3Fake, SERVICE_ACCOUNT_EMAIL, testServiceAccount, upstashFake } from "../fakes/dest-c";
import { DESTINATION_TYPES, DESTINATIONS } from "../../src/destinations/registry";
import type { DeliveryItem } from "../../src/destinations/types";

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
}

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
  };
}

const LEADS = 20;
const EVENTS = 1_000;

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
            expect(ids.filter((id) => !received.has(id)).length, `${type}: events missing`).toBe(0);
          }
        }
      },
      120_000,
      1_000,
    );
    const summary: Record<string, { delivered: number; received: number }> = {};
    for (const type of DESTINATION_TYPES) {
      const received = await table[type]!.received();
      const delivered = (await log(type)).delivered ?? 0;
      summary[type] = { delivered, received: received.length };
      expect(received.length, `${type}: nothing stored twice`).toBe(new Set(received).size);
      if (table[type]!.storesEveryItem) expect(received.length, `${type}: holds every delivered item`).toBe(delivered);
    }
    console.log(`dest-all: ${EVENTS} events over ${LEADS} leads → ${JSON.stringify(summary)}`);
  }, 180_000);
});
