/** The lead's timeline as the API shows it: events and merges in timestamp order, paged by an opaque cursor. */
import { parseStored } from "../src/ingest/nesting";
import type { EventRow } from "./lead-log";
import type { LeadStore } from "./lead-store";
import type { TimelineEntry, TimelinePage } from "../src/contracts/lead-rpc";
export type { TimelineEntry, TimelinePage };

/** `limit` entries after `cursor` (the position after the previous page). */
export function timelinePage(store: LeadStore, limit: number, cursor?: string): TimelinePage {
  const page = store.log.timelinePage(limit + 1, cursor ? decodeCursor(cursor) : undefined);
  const last = page[limit - 1];
  return {
    entries: page.slice(0, limit).map(toTimelineEntry),
    nextCursor: page.length > limit && last ? encodeCursor(last.ts, last.ord) : null,
  };
}

export function toTimelineEntry(row: EventRow): TimelineEntry {
  return {
    messageId: row.message_id,
    type: row.type,
    name: row.name,
    timestamp: new Date(row.ts).toISOString(),
    receivedAt: new Date(row.received_at).toISOString(),
    scoreDelta: row.points,
    runningScore: row.running_score,
    // Bounded: an event stored before the nesting limit held still reads back.
    event: parseStored(row.body),
  };
}

function encodeCursor(ts: number, id: string): string {
  return btoa(JSON.stringify([ts, id]));
}

function decodeCursor(cursor: string): { ts: number; id: string } | undefined {
  try {
    const [ts, id] = JSON.parse(atob(cursor)) as unknown[];
    return typeof ts === "number" && typeof id === "string" ? { ts, id } : undefined;
  } catch {
    return undefined;
  }
}
