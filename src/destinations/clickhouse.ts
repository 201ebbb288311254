import { z } from "zod";
import { sendRequest } from "./http";
import { batchKey, IDENTIFIER, ndjson, warehouseRow } from "./rows";
import type { DeliveryItem, DestinationModule } from "./types";
import { configText, headerSecret, outboundUrl } from "../schemas/config-fields";

const identifier = z.string().regex(IDENTIFIER, "must be a plain identifier: letters, digits and _, not starting with a digit");

const config = z.object({
  /** The HTTP interface, e.g. https://abc123.eu-west-1.aws.clickhouse.cloud:8443 */
  url: outboundUrl,
  database: identifier.default("default"),
  table: identifier.default("leadflare_events"),
  user: configText(200).regex(/^[\x21-\x7e]*$/, "must be visible ASCII characters without spaces").default("default"),
  password: headerSecret.optional(),
});
type ClickHouseConfig = z.output<typeof config>;

/** ClickHouse wants few, large inserts: thousands of rows each, about one a second per table. */
const MAX_ROWS = 10_000;
const MAX_BYTES = 10_000_000;

/**
 * One INSERT … FORMAT JSONEachRow over the HTTP interface. The batch key is
 * the insert_deduplication_token, so a retried batch that did land is
 * dropped by ClickHouse rather than stored twice (replicated/Shared
 * MergeTree tables, or MergeTree with non_replicated_deduplication_window).
 */
export async function insertRequest(items: DeliveryItem[], cfg: ClickHouseConfig): Promise<Request> {
  const url = new URL(cfg.url);
  url.pathname = "/";
  url.search = "";
  url.searchParams.set("query", `INSERT INTO ${cfg.database}.${cfg.table} FORMAT JSONEachRow`);
  url.searchParams.set("insert_deduplication_token", await batchKey(items));
  url.searchParams.set("input_format_skip_unknown_fields", "1");
  url.searchParams.set("date_time_input_format", "best_effort");
  const headers: Record<string, string> = { "Content-Type": "application/x-ndjson", "X-ClickHouse-User": cfg.user };
  if (cfg.password) headers["X-ClickHouse-Key"] = cfg.password;
  return new Request(url, { method: "POST", headers, body: ndjson(items.map((item) => warehouseRow(item))) });
}

export const clickhouse: DestinationModule<ClickHouseConfig> = {
  type: "clickhouse",
  title: "ClickHouse",
  docsUrl: "https://clickhouse.com/docs/interfaces/http",
  config,
  secretFields: ["password"],
  // Events, score and stage changes and tests are all rows (the `kind` column tells them apart).
  accepts: () => true,
  // ClickHouse advises about one insert a second per table; shards gather items so each insert is large.
  rate: () => ({ limit: 10, periodSeconds: 1 }),
  deliver: async (item, cfg, { timeoutMs }) => sendRequest(await insertRequest([item], cfg), timeoutMs),
  batch: {
    maxItems: () => MAX_ROWS,
    maxBytes: MAX_BYTES,
    deliverMany: async (items, cfg, { timeoutMs }) => sendRequest(await insertRequest(items, cfg), timeoutMs),
  },
};
