import { z } from "zod";
import { jsonOf, jsonRequest, sendRequest } from "./http";
import { anonymousIdOf, emailOf, eventName, eventProperties, eventTimeMs, scoreProperties } from "./item-fields";
import type { DeliveryItem, DeliveryResult, DestinationModule } from "./types";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({
  /** The project's API key (sent in the body, as Amplitude asks). */
  apiKey: headerSecret,
  /** The project's data residency: `us` (api2.amplitude.com) or `eu` (api.eu.amplitude.com). */
  region: z.enum(["us", "eu"]).default("us"),
});
type AmplitudeConfig = z.output<typeof config>;

/**
 * Amplitude's Batch Event Upload answers 429 when a user or device sends more
 * than 1,000 events a second, naming them in the body (`throttled_users`,
 * `throttled_devices`) and no Retry-After; the whole upload is refused, so the
 * shard waits this long and sends it again (insert_id makes that safe).
 */
export const THROTTLED_WAIT_MS = 5_000;

function amplitudeEvent(item: DeliveryItem) {
  const lead = item.lead;
  const ids = { user_id: lead.userId ?? emailOf(lead) ?? undefined, device_id: anonymousIdOf(item) ?? lead.id };
  const common = { ...ids, time: eventTimeMs(item), insert_id: item.messageId, library: "leadflare" };
  if (item.kind === "change") {
    // `$identify` sets user properties without counting as an event.
    return { ...common, event_type: "$identify", user_properties: { $set: scoreProperties(lead) } };
  }
  if (item.event?.type === "identify") return { ...common, event_type: "$identify", user_properties: { $set: eventProperties(item) } };
  return { ...common, event_type: eventName(item), event_properties: eventProperties(item), user_properties: { $set: { lead_score: lead.score } } };
}

/** A 429 naming throttled users or devices: wait, then send again. */
function throttled(result: DeliveryResult): DeliveryResult {
  if (result.ok || result.status !== 429 || result.retryAfterMs !== undefined) return result;
  return { ...result, retryAfterMs: THROTTLED_WAIT_MS };
}

/** The events a 400 names (invalid or missing fields), by index; none when it names none. */
export function refusedIndices(body: string): Set<number> {
  type Refusal = { events_with_invalid_fields?: Record<string, number[]>; events_with_missing_fields?: Record<string, number[]> };
  const parsed = jsonOf<Refusal>(body);
  const lists = [...Object.values(parsed?.events_with_invalid_fields ?? {}), ...Object.values(parsed?.events_with_missing_fields ?? {})];
  return new Set(lists.flat().filter((i) => Number.isInteger(i)));
}

async function upload(events: unknown[], cfg: AmplitudeConfig, env: Env, timeoutMs: number) {
  const base = cfg.region === "eu" ? env.AMPLITUDE_EU_API_URL : env.AMPLITUDE_API_URL;
  // min_id_length 1: leadflare's ids may be shorter than Amplitude's default of 5.
  const body = { api_key: cfg.apiKey, events, options: { min_id_length: 1 } };
  return throttled(await sendRequest(jsonRequest(`${base}/batch`, body), timeoutMs));
}

/**
 * One upload. A 400 refuses the whole upload; when it names the events at
 * fault, the others go again at once (as Amplitude advises), and the call
 * still ends as a failure, so every item of it is kept as a dead letter:
 * replaying them is harmless for those that arrived (insert_id).
 */
async function send(items: DeliveryItem[], cfg: AmplitudeConfig, env: Env, timeoutMs: number): Promise<DeliveryResult> {
  const events = items.map(amplitudeEvent);
  const first = await upload(events, cfg, env, timeoutMs);
  if (first.ok || first.status !== 400) return first;
  const refused = refusedIndices(first.body ?? "");
  if (refused.size === 0 || refused.size >= events.length) return first;
  const rest = await upload(events.filter((_, i) => !refused.has(i)), cfg, env, timeoutMs);
  if (!rest.ok) return rest;
  const delivered = events.length - refused.size;
  return { ...first, error: `${first.error} — ${refused.size} of ${events.length} events refused; the other ${delivered} were delivered (a replay sends them again harmlessly)` };
}

/**
 * Amplitude: events to the Batch Event Upload API (`/batch`), deduplicated
 * by `insert_id` (the messageId); score changes as `$identify` events
 * setting the user's `lead_score`, `icp_score`, … A 400 refuses the whole
 * upload: its items become dead letters, to replay once fixed (the events
 * it did not name are sent again at once).
 */
export const amplitude: DestinationModule<AmplitudeConfig> = {
  type: "amplitude",
  title: "Amplitude",
  docsUrl: "https://amplitude.com/docs/apis/analytics/batch-event-upload",
  config,
  secretFields: ["apiKey"],
  accepts: () => true,
  // Amplitude expects fewer than 100 uploads a second per project.
  rate: () => ({ limit: 100, periodSeconds: 1 }),
  deliver: (item, cfg, { env, timeoutMs }) => send([item], cfg, env, timeoutMs),
  batch: {
    // 2,000 events and 20 MB an upload.
    maxItems: () => 2_000,
    maxBytes: 10 * 1024 * 1024,
    deliverMany: (items, cfg, { env, timeoutMs }) => send(items, cfg, env, timeoutMs),
  },
};
