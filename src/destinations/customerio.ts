import { z } from "zod";
import { jsonRequest, sendRequest } from "./http";
import { MASKED_EMAIL, callKey, emailOf, eventName, eventProperties, eventTimeMs, scoreProperties } from "./item-fields";
import type { DeliveryItem, DeliveryResult, DestinationModule, LeadSnapshot } from "./types";
import { sha256Hex } from "../http/crypto";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({
  /** The workspace's Track API credentials (Settings → API Credentials): sent as Basic auth. */
  siteId: headerSecret,
  apiKey: headerSecret,
  /** The account's data center: `us` (track.customer.io) or `eu` (track-eu.customer.io). */
  region: z.enum(["us", "eu"]).default("us"),
  /** The identifier the workspace keys people by: `email`, or `id` (the lead's userId). */
  identifyBy: z.enum(["email", "id"]).default("email"),
});
type CustomerioConfig = z.output<typeof config>;

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A ULID for an event: its time (48 bits) and 80 bits of the messageId's
 * hash, so a resent event carries the same id and Customer.io drops it.
 */
export async function ulidFor(messageId: string, timeMs: number): Promise<string> {
  let time = "";
  for (let t = Math.max(0, Math.floor(timeMs)), i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  const hash = await sha256Hex(messageId);
  let bits = "";
  for (const digit of hash.slice(0, 20)) bits += parseInt(digit, 16).toString(2).padStart(4, "0");
  let random = "";
  for (let i = 0; i < 80; i += 5) random += CROCKFORD[parseInt(bits.slice(i, i + 5), 2)];
  return time + random;
}

function identifiersOf(lead: LeadSnapshot, by: CustomerioConfig["identifyBy"]) {
  const value = by === "email" ? emailOf(lead) : lead.userId;
  return value === null ? null : { [by]: value };
}

async function entry(item: DeliveryItem, cfg: CustomerioConfig) {
  const identifiers = identifiersOf(item.lead, cfg.identifyBy)!;
  if (item.kind === "change" || item.event?.type === "identify") {
    const traits = item.kind === "change" ? {} : eventProperties(item);
    const attributes = { ...traits, ...scoreProperties(item.lead), ...(emailOf(item.lead) ? { email: emailOf(item.lead) } : {}) };
    return { type: "person", identifiers, action: "identify", attributes };
  }
  const timeMs = eventTimeMs(item);
  return {
    type: "person",
    identifiers,
    action: "event",
    name: eventName(item),
    id: await ulidFor(item.messageId, timeMs),
    timestamp: Math.floor(timeMs / 1000),
    attributes: { ...eventProperties(item), lead_score: item.lead.score },
  };
}

/** Customer.io answers 200 even when it refuses some entries, listing them in `errors`: a failure, kept as dead letters. */
function noEntryRefused(status: number, body: string): boolean {
  if (status < 200 || status >= 300) return false;
  try {
    const parsed = JSON.parse(body) as { errors?: unknown[] };
    return !Array.isArray(parsed.errors) || parsed.errors.length === 0;
  } catch {
    return true;
  }
}

async function send(items: DeliveryItem[], cfg: CustomerioConfig, env: Env, timeoutMs: number): Promise<DeliveryResult> {
  const base = cfg.region === "eu" ? env.CUSTOMERIO_EU_TRACK_URL : env.CUSTOMERIO_TRACK_URL;
  // The destination's filters mask the email it identifies people by: no item can go.
  if (items.some((item) => identifiersOf(item.lead, cfg.identifyBy) === null)) return MASKED_EMAIL;
  const batch = await Promise.all(items.map((item) => entry(item, cfg)));
  const headers = { Authorization: `Basic ${btoa(`${cfg.siteId}:${cfg.apiKey}`)}`, "Idempotency-Key": callKey(items) };
  return sendRequest(jsonRequest(`${base}/api/v2/batch`, { batch }, headers), timeoutMs, noEntryRefused);
}

/**
 * Customer.io (Journeys Track API v2, `/api/v2/batch`): the person
 * identified with the scores as attributes on every score or stage change
 * (and on identify calls, with the traits), and each event as a person
 * event with a ULID derived from the messageId.
 */
export const customerio: DestinationModule<CustomerioConfig> = {
  type: "customerio",
  title: "Customer.io",
  docsUrl: "https://docs.customer.io/integrations/api/track/",
  config,
  secretFields: ["apiKey"],
  accepts: (item, cfg) => identifiersOf(item.lead, cfg.identifyBy) !== null,
  // The Track API's fair use: 100 requests a second per workspace.
  rate: () => ({ limit: 100, periodSeconds: 1 }),
  deliver: (item, cfg, { env, timeoutMs }) => send([item], cfg, env, timeoutMs),
  batch: {
    // A batch request holds at most 500 KB (32 KB an entry); the count is bounded by bytes.
    maxItems: () => 1_000,
    maxBytes: 400 * 1024,
    deliverMany: (items, cfg, { env, timeoutMs }) => send(items, cfg, env, timeoutMs),
  },
};
