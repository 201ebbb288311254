import type { DeliveryItem } from "../destinations/types";

/**
 * One archived row: an accepted event or a score/stage change of a lead, in
 * the columns every archive file has (src/archive/parquet.ts writes them).
 * `body` keeps the whole event (or change) as JSON, so nothing is lost to the
 * choice of columns; the columns are what queries filter and group on.
 */
export interface ArchiveRow {
  namespace_id: string;
  lead_id: string;
  message_id: string;
  kind: "event" | "change";
  /** Segment call type (track, identify, page, …); null for a change. */
  type: string | null;
  /** The track event's name, or the page/screen name; null otherwise. */
  event: string | null;
  /** Epoch ms: the event's own timestamp, or when the change left the lead. */
  timestamp: number;
  user_id: string | null;
  anonymous_id: string | null;
  /** The lead's email when the row left the lead. */
  email: string | null;
  /** The lead's score and stage when the row left the lead (after the change, for a change). */
  score: number;
  stage: string;
  score_before: number | null;
  stage_before: string | null;
  /** The event's properties (or traits) as JSON; null for a change. */
  properties: string | null;
  body: string;
}

export const ARCHIVE_COLUMNS = [
  "namespace_id",
  "lead_id",
  "message_id",
  "kind",
  "type",
  "event",
  "timestamp",
  "user_id",
  "anonymous_id",
  "email",
  "score",
  "stage",
  "score_before",
  "stage_before",
  "properties",
  "body",
] as const satisfies readonly (keyof ArchiveRow)[];

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/** The row an outbox item becomes; null for items the archive does not keep (test sends). */
export function rowOf(namespaceId: string, leadId: string, item: DeliveryItem, now: number): ArchiveRow | null {
  const lead = item.lead;
  const common = { namespace_id: namespaceId, lead_id: leadId, message_id: item.messageId, email: lead.email, score: lead.score, stage: lead.stage };
  if (item.kind === "event" && item.event) {
    const event = item.event;
    const at = typeof event.timestamp === "string" ? Date.parse(event.timestamp) : typeof event.timestamp === "number" ? event.timestamp : NaN;
    const properties = event.properties ?? event.traits;
    return {
      ...common,
      kind: "event",
      type: text(event.type),
      event: text(event.event) ?? text(event.name),
      timestamp: Number.isFinite(at) ? at : now,
      user_id: text(event.userId),
      anonymous_id: text(event.anonymousId),
      score_before: null,
      stage_before: null,
      properties: properties === undefined ? null : JSON.stringify(properties),
      body: JSON.stringify(event),
    };
  }
  if (item.kind === "change" && item.change) {
    const { before, after } = item.change;
    return {
      ...common,
      score: after.score,
      stage: after.stage,
      kind: "change",
      type: null,
      event: null,
      timestamp: now,
      user_id: after.userId,
      anonymous_id: null,
      score_before: before?.score ?? null,
      stage_before: before?.stage ?? null,
      properties: null,
      body: JSON.stringify(item.change),
    };
  }
  return null;
}

/** The UTC day (YYYY-MM-DD) a row is filed under. */
export function dateOf(timestamp: number): string {
  return new Date(timestamp).toISOString().slice(0, 10);
}

const DAY_MS = 86_400_000;

/** The days from `from` to `to` (YYYY-MM-DD, both included). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += DAY_MS) days.push(dateOf(at));
  return days;
}

/** Rows older than this (their own timestamp) have left the namespace's retention window; null when it keeps everything. */
export function retentionCutoff(retentionDays: number | null, now: number): number | null {
  return retentionDays === null ? null : now - retentionDays * DAY_MS;
}
