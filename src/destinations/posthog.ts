import { z } from "zod";
import { jsonRequest, sendRequest } from "./http";
import { anonymousIdOf, callKey, emailOf, eventName, eventProperties, eventTimeMs, scoreProperties, uuidFor } from "./item-fields";
import type { DeliveryItem, DestinationModule } from "./types";
import { headerSecret, outboundUrl } from "../schemas/config-fields";

const config = z.object({
  /** The project API key (`phc_…`): write-only, it can only send events. */
  apiKey: headerSecret,
  /** US Cloud, EU Cloud (`https://eu.i.posthog.com`) or a self-hosted instance: a tenant's URL, so it goes through the outbound guard. */
  host: outboundUrl.default("https://us.i.posthog.com"),
});
type PosthogConfig = z.output<typeof config>;

/** One PostHog event: the Segment call renamed to PostHog's conventions, with a uuid from the messageId (PostHog drops repeats of a uuid). */
async function posthogEvent(item: DeliveryItem) {
  const lead = item.lead;
  const distinctId = lead.userId ?? emailOf(lead) ?? lead.id;
  const base = { uuid: await uuidFor(item.messageId), timestamp: new Date(eventTimeMs(item)).toISOString() };
  if (item.kind === "change") {
    // A `$set` event updates the person's properties and shows in no funnel.
    return { ...base, event: "$set", properties: { distinct_id: distinctId, $set: scoreProperties(lead) } };
  }
  const type = item.event?.type;
  const properties: Record<string, unknown> = { ...eventProperties(item), distinct_id: distinctId, lead_score: lead.score, $lib: "leadflare" };
  const anonymousId = anonymousIdOf(item);
  if (type === "identify") {
    return { ...base, event: "$identify", properties: { distinct_id: distinctId, $set: eventProperties(item), ...(anonymousId ? { $anon_distinct_id: anonymousId } : {}) } };
  }
  if (type === "page" || type === "screen") {
    const url = (item.event?.properties as { url?: unknown } | undefined)?.url ?? (item.event?.context as { page?: { url?: unknown } } | undefined)?.page?.url;
    return { ...base, event: type === "page" ? "$pageview" : "$screen", properties: { ...properties, ...(typeof url === "string" ? { $current_url: url } : {}) } };
  }
  return { ...base, event: eventName(item), properties };
}

async function send(items: DeliveryItem[], cfg: PosthogConfig, timeoutMs: number) {
  const batch = await Promise.all(items.map(posthogEvent));
  const url = `${cfg.host.replace(/\/+$/, "")}/batch/`;
  return sendRequest(jsonRequest(url, { api_key: cfg.apiKey, historical_migration: false, batch }, { "Idempotency-Key": callKey(items) }), timeoutMs);
}

/**
 * PostHog: events (and score changes as `$set` person updates) to the
 * capture API's `/batch/`, the project key in the body.
 */
export const posthog: DestinationModule<PosthogConfig> = {
  type: "posthog",
  title: "PostHog",
  docsUrl: "https://posthog.com/docs/api/capture",
  config,
  secretFields: ["apiKey"],
  accepts: () => true,
  // PostHog does not rate limit its capture endpoints; this keeps one destination polite.
  rate: () => ({ limit: 100, periodSeconds: 1 }),
  deliver: (item, cfg, { timeoutMs }) => send([item], cfg, timeoutMs),
  batch: {
    // A capture request may hold 20 MB; 1,000 events keeps calls quick to retry.
    maxItems: () => 1_000,
    maxBytes: 5 * 1024 * 1024,
    deliverMany: (items, cfg, { timeoutMs }) => send(items, cfg, timeoutMs),
  },
};
