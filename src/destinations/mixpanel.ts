import { z } from "zod";
import { sendRequest } from "./http";
import type { DeliveryItem, DeliveryResult, DestinationModule, LeadSnapshot } from "./types";
import { sha256Hex } from "../http/crypto";
import { headerSecret } from "../schemas/config-fields";
import { conversionProperty } from "./item-fields";

const config = z.object({
  token: headerSecret,
  /** The project's API secret: with it, events go to /import (2,000 a call); without, to /track (50 a call). */
  apiSecret: headerSecret.optional(),
  /** Also keep the person's profile: `$set` of scores, stage and grade on every score or stage change (Cairo's user properties sync). */
  peopleProperties: z.boolean().default(false),
});
type MixpanelConfig = z.output<typeof config>;

/** Mixpanel's limits: /import takes 2,000 events a call, /track 50, /engage 2,000 profile updates. */
const IMPORT_MAX_EVENTS = 2_000;
const TRACK_MAX_EVENTS = 50;

/** Mixpanel's $insert_id takes at most 36 letters, digits and dashes; longer ids are hashed. */
export async function insertId(messageId: string): Promise<string> {
  return /^[A-Za-z0-9-]{1,36}$/.test(messageId) ? messageId : (await sha256Hex(messageId)).slice(0, 32);
}

async function mixpanelEvent(item: DeliveryItem, token: string) {
  const event = item.event ?? {};
  const name = typeof event.event === "string" ? event.event : event.type === "page" || event.type === "screen" ? "Page View" : String(event.type ?? "test");
  const time = Math.floor(Date.parse(String(event.timestamp ?? new Date().toISOString())) / 1000);
  return {
    event: name,
    properties: {
      distinct_id: item.lead.userId ?? item.lead.email ?? item.lead.id,
      token,
      time,
      $insert_id: await insertId(item.messageId),
      source: "leadflare",
      lead_score: item.lead.score,
      ...(event.properties as Record<string, unknown> | undefined),
    },
  };
}

/** The person's profile properties leadflare keeps current. */
export function peopleUpdate(lead: LeadSnapshot, token: string) {
  return {
    $token: token,
    $distinct_id: lead.userId ?? lead.email ?? lead.id,
    $set: {
      lead_score: lead.score,
      icp_score: lead.icpScore,
      behaviour_score: lead.behaviourScore,
      lead_stage: lead.stage,
      lead_grade: lead.grade,
      velocity: lead.velocity,
      ...conversionProperty(lead),
    },
  };
}

/** /track and /engage: a form body `data=<base64 JSON>`; success is a body of `1` or `{"status":1}`. */
function formPost(url: string, payload: unknown, timeoutMs: number) {
  const json = new TextEncoder().encode(JSON.stringify(payload));
  let binary = "";
  for (const byte of json) binary += String.fromCharCode(byte);
  const request = new Request(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "text/plain" },
    body: `data=${btoa(binary)}`,
  });
  return sendRequest(request, timeoutMs, (status, body) => status === 200 && (body.trim() === "1" || /"status"\s*:\s*1/.test(body)));
}

/**
 * Events to Mixpanel, deduplicated by $insert_id. With an API secret: /import
 * (JSON array, strict validation, Basic auth with the secret); success is
 * HTTP 200. Without: /track.
 */
async function sendEvents(items: DeliveryItem[], cfg: MixpanelConfig, env: Env, timeoutMs: number) {
  const events = await Promise.all(items.map((item) => mixpanelEvent(item, cfg.token)));
  if (!cfg.apiSecret) return formPost(`${env.MIXPANEL_API_URL}/track`, events.length === 1 ? events[0] : events, timeoutMs);
  const request = new Request(`${env.MIXPANEL_API_URL}/import?strict=1`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Basic ${btoa(`${cfg.apiSecret}:`)}` },
    body: JSON.stringify(events),
  });
  return sendRequest(request, timeoutMs);
}

/** Events go to /track or /import, score changes (with `peopleProperties`) to /engage; a batch holding both makes one call of each. */
async function send(items: DeliveryItem[], cfg: MixpanelConfig, env: Env, timeoutMs: number) {
  const changes = items.filter((item) => item.kind === "change");
  const events = items.filter((item) => item.kind !== "change");
  const results: DeliveryResult[] = [];
  if (events.length > 0) results.push(await sendEvents(events, cfg, env, timeoutMs));
  if (changes.length > 0 && !results.some((r) => !r.ok)) {
    const updates = changes.map((item) => peopleUpdate(item.lead, cfg.token));
    results.push(await formPost(`${env.MIXPANEL_API_URL}/engage`, updates.length === 1 ? updates[0] : updates, timeoutMs));
  }
  return results.find((r) => !r.ok) ?? results[0]!;
}

export const mixpanel: DestinationModule<MixpanelConfig> = {
  type: "mixpanel",
  title: "Mixpanel",
  docsUrl: "https://developer.mixpanel.com/reference/import-events",
  config,
  secretFields: ["token", "apiSecret"],
  accepts: (item, cfg) => item.kind !== "change" || cfg.peopleProperties,
  // Well under Mixpanel's ingestion limit (2 GB a minute per project).
  rate: () => ({ limit: 50, periodSeconds: 1 }),
  deliver: (item, cfg, { env, timeoutMs }) => send([item], cfg, env, timeoutMs),
  batch: {
    maxItems: (cfg) => (cfg.apiSecret ? IMPORT_MAX_EVENTS : TRACK_MAX_EVENTS),
    deliverMany: (items, cfg, { env, timeoutMs }) => send(items, cfg, env, timeoutMs),
  },
};
