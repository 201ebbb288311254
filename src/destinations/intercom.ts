import { z } from "zod";
import { jsonOf, jsonRequest, sendRequest } from "./http";
import { MASKED_EMAIL, emailOf, eventName, eventProperties, eventTimeMs, scoreProperties } from "./item-fields";
import type { DeliveryItem, DeliveryResult, DestinationModule, LeadSnapshot } from "./types";
import { RecordIds } from "./record-ids";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({
  /** An access token of a private Intercom app (Developer Hub → your app → Authentication) that may read and write contacts and events. */
  accessToken: headerSecret,
  /** The workspace's region: `us` (api.intercom.io), `eu` (api.eu.intercom.io) or `au` (api.au.intercom.io). */
  region: z.enum(["us", "eu", "au"]).default("us"),
  /** Also send the lead's events as data events (one call each; pick which with the destination's filters). */
  sendEvents: z.boolean().default(false),
});
type IntercomConfig = z.output<typeof config>;

const API_VERSION = "2.11";
/** Intercom keeps the first 10 metadata keys of an event. */
const MAX_METADATA = 10;

/** A search answer is read whole: up to this many characters (one contact, asked for with per_page 1). */
const LOOKUP_BODY_LIMIT = 256 * 1024;

type Call = (method: string, path: string, body: unknown, bodyLimit?: number) => Promise<DeliveryResult>;

function caller(cfg: IntercomConfig, env: Env, timeoutMs: number): Call {
  const base = { us: env.INTERCOM_API_URL, eu: env.INTERCOM_EU_API_URL, au: env.INTERCOM_AU_API_URL }[cfg.region];
  const headers = { Authorization: `Bearer ${cfg.accessToken}`, "Intercom-Version": API_VERSION, Accept: "application/json" };
  return async (method, path, body, bodyLimit) =>
    withRateLimitReset(await sendRequest(jsonRequest(`${base}${path}`, body, headers, method), timeoutMs, undefined, bodyLimit));
}

/** Intercom's 429 says when its window resets (`X-RateLimit-Reset`, unix seconds), not Retry-After. */
function withRateLimitReset(result: DeliveryResult): DeliveryResult {
  if (result.ok || result.status !== 429 || result.retryAfterMs !== undefined) return result;
  const reset = Number(result.headers?.["x-ratelimit-reset"]);
  return Number.isFinite(reset) && reset > 0 ? { ...result, retryAfterMs: Math.max(0, reset * 1000 - Date.now()) } : result;
}

/** The scores as the contact's custom attributes (Intercom refuses attributes not created first: see README). */
function customAttributes(lead: LeadSnapshot) {
  const { lead_score, icp_score, behaviour_score, lead_grade, lead_stage } = scoreProperties(lead);
  return { lead_score, icp_score, behaviour_score, lead_grade, lead_stage };
}

const contactIds = new RecordIds();

/**
 * Updates the contact's scores: by its id when this isolate knows it, else
 * found by email, else created (a user when the lead has a userId, else a
 * lead). A create Intercom refuses as a duplicate (409: its search index
 * lags behind a create) names the contact, which is then updated.
 */
async function upsertContact(lead: LeadSnapshot, call: Call, cacheKey: string): Promise<DeliveryResult> {
  const update = () => ({ custom_attributes: customAttributes(lead) });
  const known = contactIds.get(cacheKey);
  if (known) {
    const updated = await call("PUT", `/contacts/${encodeURIComponent(known)}`, update());
    if (updated.ok || updated.status !== 404) return updated;
    contactIds.forget(cacheKey);
  }
  const query = { query: { field: "email", operator: "=", value: lead.email }, pagination: { per_page: 1 } };
  const search = await call("POST", "/contacts/search", query, LOOKUP_BODY_LIMIT);
  if (!search.ok) return search;
  const found = jsonOf<{ data?: { id: string }[] }>(search.body)?.data?.[0]?.id;
  if (found) {
    contactIds.set(cacheKey, found);
    return call("PUT", `/contacts/${encodeURIComponent(found)}`, update());
  }
  const role = lead.userId ? { role: "user", external_id: lead.userId } : { role: "lead" };
  const created = await call("POST", "/contacts", { ...role, email: lead.email, ...update() }, LOOKUP_BODY_LIMIT);
  const id = created.ok ? jsonOf<{ id?: string }>(created.body)?.id : created.status === 409 ? /id=([A-Za-z0-9]+)/.exec(created.body ?? "")?.[1] : undefined;
  if (!id) return created;
  contactIds.set(cacheKey, id);
  return created.ok ? created : call("PUT", `/contacts/${encodeURIComponent(id)}`, update());
}

/** Flat metadata: strings and numbers, `lead_score` first, at most 10 keys. */
function metadata(item: DeliveryItem) {
  const out: Record<string, string | number> = { lead_score: item.lead.score };
  for (const [key, value] of Object.entries(eventProperties(item))) {
    if (Object.keys(out).length >= MAX_METADATA) break;
    if (typeof value === "number" || typeof value === "string") out[key] = value;
  }
  return out;
}

/**
 * A data event by the contact's email. Intercom drops a repeat of the same
 * event name, contact and second, so a resend counts once. An event for a
 * contact Intercom does not know yet (404) creates the contact, then goes again.
 */
async function sendEvent(item: DeliveryItem, call: Call, cacheKey: string): Promise<DeliveryResult> {
  const event = { event_name: eventName(item), created_at: Math.floor(eventTimeMs(item) / 1000), email: item.lead.email, metadata: metadata(item) };
  const sent = await call("POST", "/events", event);
  if (sent.ok || sent.status !== 404) return sent;
  const created = await upsertContact(item.lead, call, cacheKey);
  return created.ok ? call("POST", "/events", event) : created;
}

/**
 * Intercom: the contact matched by email keeps the scores as custom
 * attributes (search, then update or create: one item per call, a person's
 * waiting changes coalesced to the last); with `sendEvents`, events as data
 * events.
 */
export const intercom: DestinationModule<IntercomConfig> = {
  type: "intercom",
  title: "Intercom",
  docsUrl: "https://developers.intercom.com/docs/references/rest-api/api.intercom.io/contacts",
  config,
  secretFields: ["accessToken"],
  accepts: (item, cfg) => item.lead.email !== null && (item.kind !== "event" || (cfg.sendEvents && item.event?.type !== "identify")),
  // A private app may make 10,000 calls a minute (counted in 10 s windows); an item takes up to three.
  rate: () => ({ limit: 500, periodSeconds: 10 }),
  coalesceKey: (item) => (item.kind === "event" ? null : item.lead.email),
  async deliver(item, cfg, { env, timeoutMs }) {
    if (emailOf(item.lead) === null) return MASKED_EMAIL;
    const call = caller(cfg, env, timeoutMs);
    const cacheKey = await RecordIds.key(cfg.accessToken, item.lead.email!);
    return item.kind === "event" ? sendEvent(item, call, cacheKey) : upsertContact(item.lead, call, cacheKey);
  },
};
