import { z } from "zod";
import { BULK_ANSWER_CHARS, isRetryableStatus, onlyItem, sendRequest } from "./http";
import type { DeliveryItem, DeliveryResult, DestinationModule, ItemRejection } from "./types";
import { configText, headerSecret, outboundUrl } from "../schemas/config-fields";

const config = z
  .object({
    /** The cluster's base URL (Elastic Cloud, OpenSearch Service, your own). */
    url: outboundUrl,
    /** The index (or data stream's alias) documents go to; Elasticsearch index names are lower case. */
    index: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,254}$/, "must be an index name: lower-case letters, digits, . _ -").default("leadflare-events"),
    /** Basic auth… */
    username: configText(200).optional(),
    password: headerSecret.optional(),
    /** …or an Elasticsearch API key, sent as `Authorization: ApiKey <key>` (the base64 "encoded" value). */
    apiKey: headerSecret.optional(),
    /** Also index the lead's score and stage changes, not only its events. */
    changes: z.boolean().default(true),
  })
  .refine((c) => (c.username === undefined) === (c.password === undefined), { message: "username and password go together", path: ["password"] })
  .refine((c) => !(c.apiKey && c.username), { message: "use either apiKey or username/password", path: ["apiKey"] });
type ElasticsearchConfig = z.output<typeof config>;

/** A `_bulk` call of 1,000 documents or 5 MB: inside the 5–15 MB Elastic recommends, far under the 100 MB cap. */
const MAX_DOCS = 1_000;
const MAX_BYTES = 5_000_000;

/** The indexed document: the item as the webhook sends it, with an @timestamp. */
export function searchDocument(item: DeliveryItem) {
  const timestamp = typeof item.event?.timestamp === "string" ? item.event.timestamp : new Date().toISOString();
  return { "@timestamp": timestamp, messageId: item.messageId, kind: item.kind, lead: item.lead, event: item.event ?? null, change: item.change ?? null };
}

/** NDJSON of index actions, `_id` = messageId so a retried call overwrites rather than duplicates; ends in a newline. */
export function bulkBody(items: DeliveryItem[], index: string): string {
  return items.map((item) => `${JSON.stringify({ index: { _index: index, _id: item.messageId } })}\n${JSON.stringify(searchDocument(item))}\n`).join("");
}

function authHeader(cfg: ElasticsearchConfig): Record<string, string> {
  if (cfg.apiKey) return { Authorization: `ApiKey ${cfg.apiKey}` };
  if (cfg.username && cfg.password) return { Authorization: `Basic ${btoa(`${cfg.username}:${cfg.password}`)}` };
  return {};
}

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string };
}

/**
 * A 200 answer with `errors: true` names each failed document: a 429 (a full
 * write queue) or 5xx is tried again, anything else (a mapping conflict) is
 * dead-lettered; the other documents are in.
 */
export function bulkRejections(body: string, items: DeliveryItem[]): ItemRejection[] | undefined {
  let answer: { errors?: boolean; items?: Array<Record<string, BulkItem>> };
  try {
    answer = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (answer.errors === false) return [];
  if (answer.errors !== true || !Array.isArray(answer.items) || answer.items.length !== items.length) return undefined;
  const rejected: ItemRejection[] = [];
  answer.items.forEach((entry, i) => {
    const result = Object.values(entry)[0];
    const item = items[i];
    if (!item || !result?.error || !result.status) return;
    const reason = `${result.error.type ?? "error"}: ${String(result.error.reason ?? "").slice(0, 200)}`;
    rejected.push({ messageId: item.messageId, retryable: isRetryableStatus(result.status), status: result.status, error: `HTTP ${result.status} ${reason}` });
  });
  return rejected;
}

async function bulk(items: DeliveryItem[], cfg: ElasticsearchConfig, timeoutMs: number): Promise<DeliveryResult> {
  const request = new Request(`${cfg.url.replace(/\/+$/, "")}/_bulk`, {
    method: "POST",
    headers: { "Content-Type": "application/x-ndjson", ...authHeader(cfg) },
    body: bulkBody(items, cfg.index),
  });
  const result = await sendRequest(request, timeoutMs, undefined, BULK_ANSWER_CHARS);
  if (!result.ok) return result;
  const rejected = bulkRejections(result.body, items);
  // An answer that does not say what became of each document: tried again (same _ids), never taken as delivered.
  if (rejected === undefined) return { ok: false, retryable: true, status: result.status, error: "the _bulk answer does not list a result per document" };
  return rejected.length > 0 ? { ...result, rejected } : result;
}

/** Elasticsearch / OpenSearch: every event (and score change) as a document, through `_bulk`. */
export const elasticsearch: DestinationModule<ElasticsearchConfig> = {
  type: "elasticsearch",
  title: "Elasticsearch / OpenSearch",
  docsUrl: "https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-bulk",
  config,
  secretFields: ["password", "apiKey"],
  accepts: (item, cfg) => item.kind !== "change" || cfg.changes,
  // A cluster is the tenant's own: a steady 20 bulk calls a second (20,000 documents) per destination.
  rate: () => ({ limit: 20, periodSeconds: 1 }),
  deliver: async (item, cfg, { timeoutMs }) => onlyItem(await bulk([item], cfg, timeoutMs)),
  batch: {
    maxItems: () => MAX_DOCS,
    maxBytes: MAX_BYTES,
    deliverMany: (items, cfg, { timeoutMs }) => bulk(items, cfg, timeoutMs),
  },
};
