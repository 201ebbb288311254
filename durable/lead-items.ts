/** The items a lead hands to destinations and the archive, made from rows of its log. */
import type { DeliveryItem, LeadSnapshot } from "../src/destinations/types";
import { parseStored } from "../src/ingest/nesting";
import type { OwedRow } from "./lead-log";

export function eventItem(row: OwedRow, lead: LeadSnapshot): DeliveryItem {
  return { messageId: row.messageId, kind: "event", seq: row.seq, lead, event: parseStored(row.body) as Record<string, unknown> };
}
