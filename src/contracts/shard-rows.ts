// What the delivery and archive shards (durable/delivery-store.ts, durable/archive-store.ts) answer over RPC, for the
// delivery log, privacy and the archive manifest that read them.
import type { DeliveryItem } from "./delivery-item";

/** A delivery shard's log row per item, as the API shows it. */
export interface DeliveryRow {
  destinationId: string;
  messageId: string;
  leadId: string;
  /** `failed`: a test send that failed (it is no dead letter: nothing replays it). */
  status: "pending" | "retrying" | "delivered" | "dead" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  payload: string | null;
  updatedAt: number;
  /** What the item is, for the log: a test, a lead's change, or the event's name; and the lead by email or user id. */
  kind: DeliveryItem["kind"] | null;
  event: string | null;
  lead: string | null;
}

/** A delivery log row as the API sends it (GET /api/destinations/:id/deliveries): without the destination id and the payload, the time in ISO 8601. */
export type DeliveryLogRow = Omit<DeliveryRow, "destinationId" | "payload" | "updatedAt"> & { updatedAt: string };

/** A file of an archive shard: `writtenAt` null until it is in the bucket. */
export interface ArchiveFile {
  seq: number;
  key: string;
  date: string;
  rows: number;
  bytes: number;
  minMessageId: string | null;
  maxMessageId: string | null;
  firstAt: number | null;
  lastAt: number | null;
  writtenAt: number | null;
}
