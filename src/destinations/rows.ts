import { sha256Hex } from "../http/crypto";
import type { DeliveryItem } from "./types";

/**
 * One flat row per delivered item, the shape the warehouse-like destinations
 * (ClickHouse, BigQuery, S3/GCS files, Postgres, Kafka values) store. Column
 * names are snake_case and stable: changing one breaks customers' tables.
 */
export interface WarehouseRow {
  message_id: string;
  /** `event`, `change` (the lead's score or stage changed) or `test`. */
  kind: DeliveryItem["kind"];
  lead_id: string;
  user_id: string | null;
  email: string | null;
  /** Segment's type (track, identify, page, …); null for changes. */
  event_type: string | null;
  /** The track event's name, a page's name; null otherwise. */
  event_name: string | null;
  /** When it happened (the event's timestamp, or when the change left the lead), ISO 8601. */
  timestamp: string;
  /** The event's properties (or an identify's traits) as JSON text. */
  properties: string | null;
  score: number;
  behaviour_score: number;
  icp_score: number;
  stage: string;
  grade: string;
  velocity: number;
  /** For changes: the score and stage before. */
  previous_score: number | null;
  previous_stage: string | null;
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

function validIso(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** The time an item stands for: its event's timestamp, else `now`. */
export function itemTime(item: DeliveryItem, now: number): string {
  return validIso(item.event?.timestamp) ?? new Date(now).toISOString();
}

export function warehouseRow(item: DeliveryItem, now = Date.now()): WarehouseRow {
  const event = item.event;
  const lead = item.kind === "change" && item.change ? item.change.after : item.lead;
  const payload = event?.properties ?? event?.traits;
  const before = item.change?.before ?? null;
  return {
    message_id: item.messageId,
    kind: item.kind,
    lead_id: item.lead.id,
    user_id: lead.userId,
    email: lead.email,
    event_type: text(event?.type),
    event_name: text(event?.event) ?? text(event?.name),
    timestamp: itemTime(item, now),
    properties: payload === undefined ? null : JSON.stringify(payload),
    score: lead.score,
    behaviour_score: lead.behaviourScore,
    icp_score: lead.icpScore,
    stage: lead.stage,
    grade: lead.grade,
    velocity: lead.velocity,
    previous_score: before?.score ?? null,
    previous_stage: before?.stage ?? null,
  };
}

/** The rows as newline-delimited JSON (ClickHouse's JSONEachRow, BigQuery and Athena's NDJSON). */
export function ndjson(rows: readonly object[]): string {
  return rows.map((row) => JSON.stringify(row)).join("\n") + "\n";
}

/**
 * A name for a batch that is the same every time the same items are sent
 * again (a retry): the outside system's deduplication token or file name.
 */
export async function batchKey(items: readonly DeliveryItem[]): Promise<string> {
  return (await sha256Hex(items.map((item) => item.messageId).join("\n"))).slice(0, 32);
}

/** SQL identifiers leadflare accepts in a config (table, database, dataset): plain names only, never quoted text. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
