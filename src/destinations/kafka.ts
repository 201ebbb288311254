import { z } from "zod";
import { sendRequest, type AnswerCheck } from "./http";
import { warehouseRow } from "./rows";
import type { DeliveryItem, DestinationModule } from "./types";
import { headerSecret, outboundUrl } from "../schemas/config-fields";

const config = z
  .object({
    /** The REST Proxy's base URL (v2 API), e.g. https://kafka-rest.example.com */
    url: outboundUrl,
    /** Kafka's own rule for topic names. */
    topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "must be 1 to 249 letters, digits, '.', '_' or '-'"),
    /** Basic auth (Confluent Cloud: an API key and its secret); leave both out for a proxy without auth. */
    apiKey: headerSecret.optional(),
    apiSecret: headerSecret.optional(),
  })
  .refine((cfg) => (cfg.apiKey === undefined) === (cfg.apiSecret === undefined), { path: ["apiSecret"], message: "apiKey and apiSecret go together" });
type KafkaConfig = z.output<typeof config>;

/** The proxy's producer sends at most max.request.size (1 MB by default) to a broker; records above a few hundred per call gain nothing. */
const MAX_RECORDS = 500;
const MAX_BYTES = 1_000_000;

/**
 * One produce call: `POST /topics/{topic}` with JSON records. The key is the
 * lead id, so Kafka's partitioner puts all of a lead's records in one
 * partition, in the order they were sent.
 */
export function produceRequest(items: DeliveryItem[], cfg: KafkaConfig): Request {
  const headers: Record<string, string> = { "Content-Type": "application/vnd.kafka.json.v2+json", Accept: "application/vnd.kafka.v2+json" };
  if (cfg.apiKey && cfg.apiSecret) headers.Authorization = `Basic ${btoa(`${cfg.apiKey}:${cfg.apiSecret}`)}`;
  const records = items.map((item) => ({ key: item.lead.id, value: warehouseRow(item) }));
  return new Request(`${cfg.url.replace(/\/+$/, "")}/topics/${cfg.topic}`, { method: "POST", headers, body: JSON.stringify({ records }) });
}

/**
 * A 200 can still hold failed records: each offset carries `error_code` 1
 * (will not succeed) or 2 (retriable). The whole call is settled by the
 * worst of them, so a retry sends the records again (consumers deduplicate
 * on `message_id`).
 */
export const recordErrors: AnswerCheck = (result, wholeBody) => {
  let offsets: { error_code?: number | null; error?: string | null }[] = [];
  try {
    offsets = (JSON.parse(wholeBody) as { offsets?: typeof offsets }).offsets ?? [];
  } catch {
    return { ok: false, status: result.status, retryable: true, error: "the proxy's answer is not JSON" };
  }
  const failed = offsets.filter((offset) => offset.error_code);
  if (failed.length === 0) return result;
  const retryable = failed.every((offset) => offset.error_code === 2);
  return { ok: false, status: result.status, retryable, error: `${failed.length} records refused: ${failed[0]!.error ?? `error_code ${failed[0]!.error_code}`}`, body: result.body };
};

async function produce(items: DeliveryItem[], cfg: KafkaConfig, timeoutMs: number) {
  return sendRequest(produceRequest(items, cfg), timeoutMs, undefined, undefined, recordErrors);
}

export const kafka: DestinationModule<KafkaConfig> = {
  type: "kafka",
  title: "Kafka (REST Proxy)",
  docsUrl: "https://docs.confluent.io/platform/current/kafka-rest/api.html#post--topics-(string-topic_name)",
  config,
  secretFields: ["apiSecret"],
  accepts: () => true,
  // A REST Proxy publishes no call limit; Confluent Cloud's produce API allows about 50 calls/s per cluster for a small one.
  rate: () => ({ limit: 50, periodSeconds: 1 }),
  deliver: (item, cfg, { timeoutMs }) => produce([item], cfg, timeoutMs),
  batch: {
    maxItems: () => MAX_RECORDS,
    maxBytes: MAX_BYTES,
    deliverMany: (items, cfg, { timeoutMs }) => produce(items, cfg, timeoutMs),
  },
};
