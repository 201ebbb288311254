import { z } from "zod";
import { jsonRequest, sendRequest } from "./http";
import { callKey, emailOf, eventName, eventProperties, eventTimeMs, scoreProperties } from "./item-fields";
import type { DeliveryItem, DeliveryResult, DestinationModule, LeadSnapshot } from "./types";
import { configText } from "../schemas/config-fields";

const config = z.object({
  /** The Heap environment's app id (public: the web snippet carries it too). */
  appId: configText(64).regex(/^[0-9]+$/, "is a Heap app id: digits only"),
  /** `us` (heapanalytics.com) or `eu` (c.eu.heap-api.com). */
  region: z.enum(["us", "eu"]).default("us"),
});
type HeapConfig = z.output<typeof config>;

/** Heap keys a user by an identity: the lead's userId, else its email. */
function identityOf(lead: LeadSnapshot): string | null {
  return lead.userId ?? emailOf(lead);
}

/** Heap takes string or number values of under 1,024 characters. */
function flat(properties: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (value === null || value === undefined) continue;
    out[key.slice(0, 1023)] = typeof value === "number" ? value : (typeof value === "string" ? value : JSON.stringify(value)).slice(0, 1023);
  }
  return out;
}

function trackEvent(item: DeliveryItem) {
  return {
    // A lead accepted by its email, which this destination's filters then masked, goes by its lead id.
    identity: identityOf(item.lead) ?? item.lead.id,
    event: eventName(item).slice(0, 1024),
    timestamp: new Date(eventTimeMs(item)).toISOString(),
    properties: flat({ ...eventProperties(item), lead_score: item.lead.score }),
    // Heap drops a repeat of an idempotency key.
    idempotency_key: item.messageId,
  };
}

/**
 * Events go to bulk track (`/api/track` with `events`), score changes to bulk
 * `/api/add_user_properties` (each identity once, its latest scores); a
 * batch holding both makes one call of each.
 */
async function send(items: DeliveryItem[], cfg: HeapConfig, env: Env, timeoutMs: number): Promise<DeliveryResult> {
  const base = cfg.region === "eu" ? env.HEAP_EU_API_URL : env.HEAP_API_URL;
  const changes = items.filter((item) => item.kind === "change");
  const events = items.filter((item) => item.kind !== "change");
  const headers = { "Idempotency-Key": callKey(items) };
  let result: DeliveryResult | undefined;
  if (events.length > 0) {
    result = await sendRequest(jsonRequest(`${base}/api/track`, { app_id: cfg.appId, events: events.map(trackEvent) }, headers), timeoutMs);
    if (!result.ok) return result;
  }
  if (changes.length > 0) {
    const latest = new Map<string, LeadSnapshot>();
    for (const item of changes) latest.set(identityOf(item.lead) ?? item.lead.id, item.lead);
    const users = [...latest].map(([identity, lead]) => ({ identity, properties: flat(scoreProperties(lead)) }));
    result = await sendRequest(jsonRequest(`${base}/api/add_user_properties`, { app_id: cfg.appId, users }, headers), timeoutMs);
  }
  return result!;
}

/** Heap's server-side APIs: custom events, and the lead's scores as user properties. */
export const heap: DestinationModule<HeapConfig> = {
  type: "heap",
  title: "Heap",
  docsUrl: "https://developers.heap.io/reference/server-side-apis-overview",
  config,
  secretFields: [],
  // An anonymous lead has no identity Heap could join to its users.
  accepts: (item) => identityOf(item.lead) !== null,
  // Heap takes 15,000 events a minute per app (1,000 per identity): 15 full bulk calls.
  rate: () => ({ limit: 15, periodSeconds: 60 }),
  deliver: (item, cfg, { env, timeoutMs }) => send([item], cfg, env, timeoutMs),
  batch: {
    // Bulk track and bulk user properties take 1,000 entries a request.
    maxItems: () => 1_000,
    deliverMany: (items, cfg, { env, timeoutMs }) => send(items, cfg, env, timeoutMs),
  },
};
