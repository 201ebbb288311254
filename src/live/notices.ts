import type { LeadEvent } from "../ingest/normalize";
import type { Rejection } from "../ingest/rejection";

/** What the live stream says, one JSON message per notice. */
export type LiveNotice = EventNotice | RejectionNotice | MergeNotice;

export interface EventNotice {
  kind: "event";
  at: string;
  leadId: string;
  messageId: string;
  type: LeadEvent["type"];
  /** A track call's event name; for the other calls their type (page, identify…). */
  event: string;
  timestamp: string;
  userId: string | null;
  anonymousId: string | null;
}

export interface RejectionNotice extends Rejection {
  kind: "rejection";
  at: string;
}

export interface MergeNotice {
  kind: "merge";
  at: string;
  /** The lead that took the other in. */
  leadId: string;
  mergedLeadId: string;
  identities: Array<{ kind: string; value: string }>;
}

export function eventNotice(leadId: string, event: LeadEvent, at: string): EventNotice {
  const body = JSON.parse(event.body) as Record<string, unknown>;
  return {
    kind: "event",
    at,
    leadId,
    messageId: event.messageId,
    type: event.type,
    event: event.type === "track" && typeof body.event === "string" ? body.event : event.type,
    timestamp: new Date(event.timestamp).toISOString(),
    userId: typeof body.userId === "string" ? body.userId : null,
    anonymousId: typeof body.anonymousId === "string" ? body.anonymousId : null,
  };
}

export function rejectionNotice(rejection: Rejection, at: string): RejectionNotice {
  return { kind: "rejection", at, ...rejection };
}
