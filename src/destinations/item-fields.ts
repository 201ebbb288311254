import { sha256Hex } from "../http/crypto";
import { MASKED } from "./transform";
import type { DeliveryItem, DeliveryResult, LeadSnapshot } from "./types";

/**
 * What analytics and CRM destinations read from a delivery item, the same
 * way for all of them: the event's name, time and properties, and the
 * lead's scores as flat properties.
 */

/**
 * The lead's scores, stage and grade as flat properties (the names every
 * destination's fields use), and its conversion probability when its
 * namespace has a model in use (absent otherwise, so those payloads are unchanged).
 */
export function scoreProperties(lead: LeadSnapshot) {
  return {
    lead_score: lead.score,
    icp_score: lead.icpScore,
    behaviour_score: lead.behaviourScore,
    lead_grade: lead.grade,
    lead_stage: lead.stage,
    velocity: lead.velocity,
    ...conversionProperty(lead),
  };
}

/** `{ conversion_probability }` when the lead carries one, else nothing. */
export function conversionProperty(lead: LeadSnapshot): { conversion_probability?: number } {
  return lead.conversionProbability === undefined ? {} : { conversion_probability: lead.conversionProbability };
}

/** The lead's email, unless the destination's filters mask it (a masked email must not become everyone's identity). */
export function emailOf(lead: LeadSnapshot): string | null {
  return lead.email === null || lead.email === MASKED ? null : lead.email;
}

/** For APIs that match people by email: a lead whose email is masked cannot be sent, and retrying will not help. */
export const MASKED_EMAIL: DeliveryResult = { ok: false, retryable: false, error: "the lead's email is masked for this destination, which matches people by email" };

/** The event's name as a person would read it: a track's name, "Page View", or the call's type ("identify", "test"). */
export function eventName(item: DeliveryItem): string {
  const event = item.event ?? {};
  if (typeof event.event === "string" && event.event.length > 0) return event.event;
  if (event.type === "page" || event.type === "screen") return "Page View";
  return String(event.type ?? item.kind);
}

/** When the event happened (ms since the epoch): its timestamp, else now. */
export function eventTimeMs(item: DeliveryItem): number {
  const parsed = Date.parse(String(item.event?.timestamp ?? ""));
  return Number.isFinite(parsed) ? parsed : Date.now();
}

/** A track's properties, or an identify's traits: the event's own data. */
export function eventProperties(item: DeliveryItem): Record<string, unknown> {
  const event = item.event ?? {};
  const own = event.type === "identify" ? event.traits : event.properties;
  return own && typeof own === "object" && !Array.isArray(own) ? (own as Record<string, unknown>) : {};
}

/** The anonymous id the event came with, if any. */
export function anonymousIdOf(item: DeliveryItem): string | null {
  const id = item.event?.anonymousId;
  return typeof id === "string" && id.length > 0 ? id : null;
}

/** A UUID (version 8, RFC 9562) derived from the messageId: the same item always gets the same id, so a resend is recognised. */
export async function uuidFor(messageId: string): Promise<string> {
  const hex = (await sha256Hex(messageId)).slice(0, 32).split("");
  hex[12] = "8";
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** An identifier for a call that carries these items (an Idempotency-Key for logs on the other side). */
export function callKey(items: DeliveryItem[]): string {
  return items.length === 1 ? items[0]!.messageId : `${items[0]!.messageId}..${items.at(-1)!.messageId}`;
}
