import { z } from "zod";
import { accessToken, dropToken, serviceAccountKey } from "./google-auth";
import { jsonRequest, sendRequest, type AnswerCheck } from "./http";
import { warehouseRow } from "./rows";
import type { DeliveryItem, DeliveryResult, DestinationModule } from "./types";

const config = z.object({
  /** The project id (`my-project`, or a domain-scoped `example.com:my-project`). */
  projectId: z.string().regex(/^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "must be a Google Cloud project id"),
  datasetId: z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, "must be letters, digits or _"),
  tableId: z.string().regex(/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd} ]{1,1024}$/u, "must be a BigQuery table name").default("leadflare_events"),
  /** The service account's JSON key (roles/bigquery.dataEditor on the dataset). */
  serviceAccountKey,
});
type BigQueryConfig = z.output<typeof config>;

const SCOPE = "https://www.googleapis.com/auth/bigquery.insertdata";
/** BigQuery advises at most 500 rows per insertAll (hard limits: 50,000 rows, 10 MB). */
const MAX_ROWS = 500;
const MAX_BYTES = 9_000_000;

interface InsertAllAnswer {
  insertErrors?: { index: number; errors: { reason?: string; message?: string }[] }[];
}

/**
 * A 200 may still refuse rows: `insertErrors` per row. With
 * skipInvalidRows off, one invalid row stops the whole request (the others
 * say `stopped`), and sending it again will not help; anything else
 * (backendError, timeout) is worth retrying.
 */
export const rowErrors: AnswerCheck = (result, wholeBody) => {
  let answer: InsertAllAnswer = {};
  try {
    answer = JSON.parse(wholeBody) as InsertAllAnswer;
  } catch {
    return { ok: false, status: result.status, retryable: true, error: "the answer is not JSON" };
  }
  const errors = (answer.insertErrors ?? []).flatMap((row) => row.errors);
  if (errors.length === 0) return result;
  const permanent = errors.some((e) => e.reason === "invalid" || e.reason === "notFound" || e.reason === "accessDenied");
  const first = errors.find((e) => e.reason !== "stopped") ?? errors[0]!;
  return { ok: false, status: result.status, retryable: !permanent, error: `rows refused: ${first.reason ?? "error"}: ${first.message ?? ""}`.slice(0, 300), body: result.body };
};

export function insertAllBody(items: DeliveryItem[]) {
  // insertId: BigQuery drops a row whose insertId it saw in the last minute or so (best effort).
  return { kind: "bigquery#tableDataInsertAllRequest", skipInvalidRows: false, ignoreUnknownValues: true, rows: items.map((item) => ({ insertId: item.messageId, json: warehouseRow(item) })) };
}

async function insertAll(items: DeliveryItem[], cfg: BigQueryConfig, env: Env, timeoutMs: number): Promise<DeliveryResult> {
  const token = await accessToken(cfg.serviceAccountKey, SCOPE, env.BIGQUERY_TOKEN_URL, timeoutMs);
  if (!token.ok) return token.failure;
  const path = `/bigquery/v2/projects/${encodeURIComponent(cfg.projectId)}/datasets/${encodeURIComponent(cfg.datasetId)}/tables/${encodeURIComponent(cfg.tableId)}/insertAll`;
  const result = await sendRequest(jsonRequest(`${env.BIGQUERY_API_URL}${path}`, insertAllBody(items), { Authorization: `Bearer ${token.token}` }), timeoutMs, undefined, undefined, rowErrors);
  if (!result.ok && result.status === 401) {
    // The token was revoked or expired early: the next try exchanges a new one.
    dropToken(cfg.serviceAccountKey, SCOPE, env.BIGQUERY_TOKEN_URL);
    return { ...result, retryable: true };
  }
  return result;
}

export const bigquery: DestinationModule<BigQueryConfig> = {
  type: "bigquery",
  title: "Google BigQuery",
  docsUrl: "https://cloud.google.com/bigquery/docs/reference/rest/v2/tabledata/insertAll",
  config,
  secretFields: ["serviceAccountKey"],
  accepts: () => true,
  // Streaming inserts are limited by bytes (1 GB/s per project), not calls; 100 calls/s of 500 rows is far below it.
  rate: () => ({ limit: 100, periodSeconds: 1 }),
  deliver: (item, cfg, { env, timeoutMs }) => insertAll([item], cfg, env, timeoutMs),
  batch: {
    maxItems: () => MAX_ROWS,
    maxBytes: MAX_BYTES,
    deliverMany: (items, cfg, { env, timeoutMs }) => insertAll(items, cfg, env, timeoutMs),
  },
};
