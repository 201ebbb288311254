import { z } from "zod";
import { jsonRequest, sendRequest, withoutSecret } from "./http";
import { eventName, eventProperties, eventTimeMs, scoreProperties } from "./item-fields";
import type { DeliveryItem, DestinationModule, LeadSnapshot } from "./types";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({
  /** The web data stream's measurement id, `G-…`. */
  measurementId: z.string().regex(/^G-[A-Z0-9]{4,20}$/, "is a GA4 measurement id: G- and 4 to 20 capital letters or digits"),
  /** A Measurement Protocol API secret of that stream (Admin → Data streams → Measurement Protocol API secrets). */
  apiSecret: headerSecret,
});
type Ga4Config = z.output<typeof config>;

/** Measurement Protocol limits: 25 events a request, 25 params an event, names of 40 characters, values of 100; user property names of 24, values of 36. */
const MAX_EVENTS = 25;
const MAX_PARAMS = 25;

/** A GA4 name: letters, digits and underscores, starting with a letter, at most `max` long (`Demo Request` → `demo_request`). */
export function ga4Name(text: string, max = 40): string {
  const snake = text
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const name = /^[a-z]/.test(snake) ? snake : `e_${snake}`;
  // Prefixes GA4 reserves for itself.
  return (/^(ga_|google_|firebase_)/.test(name) ? `x_${name}` : name).slice(0, max);
}

/** Params GA4 keeps: strings (100 characters) and numbers, at most 25. */
function params(properties: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (Object.keys(out).length >= MAX_PARAMS) break;
    if (typeof value === "number" && Number.isFinite(value)) out[ga4Name(key)] = value;
    else if (typeof value === "string" || typeof value === "boolean") out[ga4Name(key)] = String(value).slice(0, 100);
  }
  return out;
}

function ga4Event(item: DeliveryItem) {
  const timestamp_micros = eventTimeMs(item) * 1000;
  if (item.kind === "change") {
    const before = item.change?.before;
    const extra = before && before.stage !== item.lead.stage ? { previous_stage: before.stage } : {};
    return { name: "lead_score_change", timestamp_micros, params: params({ ...scoreProperties(item.lead), ...extra }) };
  }
  const type = item.event?.type;
  const name = type === "page" || type === "screen" ? "page_view" : ga4Name(eventName(item));
  return { name, timestamp_micros, params: params({ ...eventProperties(item), lead_score: item.lead.score }) };
}

/** The lead's scores as user properties (names of 24 characters, values of 36). */
function userProperties(lead: LeadSnapshot) {
  const entries = Object.entries(scoreProperties(lead)).map(([key, value]) => [key.slice(0, 24), { value: typeof value === "number" ? value : String(value).slice(0, 36) }]);
  return Object.fromEntries(entries);
}

/** One request: one client (the lead), its events in order, its latest scores as user properties. */
async function send(items: DeliveryItem[], cfg: Ga4Config, env: Env, timeoutMs: number) {
  const lead = items.at(-1)!.lead;
  const body = {
    client_id: lead.id,
    ...(lead.userId ? { user_id: lead.userId } : {}),
    user_properties: userProperties(lead),
    events: items.map(ga4Event),
  };
  const query = new URLSearchParams({ measurement_id: cfg.measurementId, api_secret: cfg.apiSecret });
  return withoutSecret(await sendRequest(jsonRequest(`${env.GA4_API_URL}/mp/collect?${query}`, body), timeoutMs), cfg.apiSecret);
}

/**
 * Google Analytics 4 (Measurement Protocol `/mp/collect`): a lead's events
 * as GA4 events (`Demo Request` → `demo_request`, pages → `page_view`), its
 * score changes as `lead_score_change`, and its scores as user properties;
 * the lead is the client (`client_id` its id, `user_id` its userId). GA4
 * answers 2xx even to events it drops, and has no dedup key: a call that
 * timed out and is sent again may count twice.
 */
export const ga4: DestinationModule<Ga4Config> = {
  type: "ga4",
  title: "Google Analytics 4",
  docsUrl: "https://developers.google.com/analytics/devguides/collection/protocol/ga4/sending-events",
  config,
  secretFields: ["apiSecret"],
  // GA4 has no identify: the user id rides on the lead's other events.
  accepts: (item) => item.kind !== "event" || item.event?.type !== "identify",
  // Google publishes no Measurement Protocol rate limit; this keeps one destination polite.
  rate: () => ({ limit: 100, periodSeconds: 1 }),
  deliver: (item, cfg, { env, timeoutMs }) => send([item], cfg, env, timeoutMs),
  batch: {
    maxItems: () => MAX_EVENTS,
    // A request holds at most 130 KB.
    maxBytes: 120 * 1024,
    // A request is about one client: a lead's items go together, in order.
    groupKey: (item) => item.lead.id,
    deliverMany: (items, cfg, { env, timeoutMs }) => send(items, cfg, env, timeoutMs),
  },
};
