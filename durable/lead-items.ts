/** The items a lead hands to destinations and the archive, made from rows of its log. */
import type { DeliveryItem, LeadSnapshot } from "../src/destinations/types";
import { parseStored } from "../src/ingest/nesting";
import type { OwedRow } from "./lead-log";

export function eventItem(row: OwedRow, lead: LeadSnapshot): DeliveryItem {
  return { messageId: row.messageId, kind: "event", seq: row.seq, lead, event: parseStored(row.body) as Record<string, unknown> };
}

/** The oldest rows that fit `maxBytes` of bodies (at least one). */
export function fitting(rows: readonly OwedRow[], maxBytes: number): OwedRow[] {
  const batch: OwedRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    bytes += row.body.length;
    if (batch.length > 0 && bytes > maxBytes) break;
    batch.push(row);
  }
  return batch;
}
