import { afterEach, describe, expect, it } from "vitest";
import { eventually, newTenant } from "../helpers";
import { addDestination, deliveries, destinationSuite, sendEvents } from "./warehouse-stream-suite";
import { installFakes } from "../../fakes/fake-service";
import { kafkaFake } from "../../fakes/warehouses-streams";

const config = { url: "https://kafka.fake", topic: "leadflare-events", apiKey: "kafka-key", apiSecret: "kafka-secret" };

describe("Kafka REST Proxy destination", () => {
  destinationSuite({
    type: "kafka",
    config,
    fake: kafkaFake,
    received: (fake) => fake.records().map((record) => record.value.message_id),
    itemsIn: (request) => JSON.parse(request.body).records.length,
    maxItems: 500,
    permanent: { status: 404, body: JSON.stringify({ error_code: 40401, message: "Topic not found." }) },
    checkRequest(request, fake) {
      expect(request.url.pathname).toBe("/topics/leadflare-events");
      expect(request.headers.get("Content-Type")).toBe("application/vnd.kafka.json.v2+json");
      expect(request.headers.get("Authorization")).toBe(`Basic ${btoa("kafka-key:kafka-secret")}`);
      // Keyed by lead: each lead's records sit in one partition, in the order they were sent.
      for (const record of JSON.parse(request.body).records) expect(record.key).toBe(record.value.lead_id);
      const byLead = new Map<string, Set<number>>();
      for (const [p, records] of fake.partitions.entries()) for (const r of records) byLead.set(r.key, (byLead.get(r.key) ?? new Set()).add(p));
      for (const used of byLead.values()) expect(used.size).toBe(1);
      for (const records of fake.partitions) {
        const events = records.filter((r) => r.value.kind === "event");
        for (const lead of new Set(events.map((r) => r.key))) {
          const seq = events.filter((r) => r.key === lead).map((r) => Number(r.value.message_id.split("-")[2]));
          expect(seq).toEqual([...seq].sort((a, b) => a - b));
        }
      }
    },
  });

  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  it("records the proxy refuses inside a 200: error_code 2 is retried, error_code 1 is a dead letter", async () => {
    const fake = kafkaFake();
    uninstall = installFakes(fake);
    const t = await newTenant("kafka");
    const d = await addDestination(t, { name: "k", type: "kafka", config });
    fake.failRecords(2);
    const [retried] = await sendEvents(t, "k2", 1, 1);
    await eventually(async () => expect(fake.records().map((r) => r.value.message_id)).toContain(retried));
    expect((await deliveries(t, d.id)).deliveries.find((row: any) => row.messageId === retried).attempts).toBe(2);
    fake.failRecords(1);
    const [refused] = await sendEvents(t, "k1", 1, 1);
    await eventually(async () => expect((await deliveries(t, d.id, "dead")).deliveries.map((row: any) => row.messageId)).toContain(refused));
    expect(fake.records().map((r) => r.value.message_id)).not.toContain(refused);
  });
});
