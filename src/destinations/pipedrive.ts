import { z } from "zod";
import { jsonOf, jsonRequest, sendRequest, withoutSecret } from "./http";
import type { DeliveryResult, DestinationModule, LeadSnapshot } from "./types";
import { MASKED_EMAIL, emailOf } from "./item-fields";
import { RecordIds } from "./record-ids";
import { headerSecret } from "../schemas/config-fields";

/** A Pipedrive person field's API key: custom fields have a 40-character hash (Settings → Data fields → ⋯ → Copy API key). */
const fieldKey = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, "is a Pipedrive field API key: letters, digits and underscores");

const config = z.object({
  /** A user's personal API token (Personal preferences → API); Pipedrive takes it as the `api_token` query parameter. */
  apiToken: headerSecret,
  /** Which person fields hold what: `score` is required, the others optional. */
  fields: z.object({
    score: fieldKey,
    stage: fieldKey.optional(),
    grade: fieldKey.optional(),
    icpScore: fieldKey.optional(),
    behaviourScore: fieldKey.optional(),
  }),
  /** Create the person (named by the email) when none has the lead's email. */
  createMissing: z.boolean().default(true),
});
type PipedriveConfig = z.output<typeof config>;

/** A search answer is read whole: up to this many characters (one person, asked for with limit 1). */
const LOOKUP_BODY_LIMIT = 256 * 1024;

/** Pipedrive answers `{"success": false, …}` on errors; a 2xx must say `success: true`. */
const succeeded = (status: number, body: string) => status >= 200 && status < 300 && /"success"\s*:\s*true/.test(body);

/** The tenant names the keys: built as own properties (a key named `__proto__` is a field, not the prototype). */
function fieldValues(lead: LeadSnapshot, fields: PipedriveConfig["fields"]): Record<string, string | number> {
  const pairs: [string | undefined, string | number][] = [
    [fields.score, lead.score],
    [fields.stage, lead.stage],
    [fields.grade, lead.grade],
    [fields.icpScore, lead.icpScore],
    [fields.behaviourScore, lead.behaviourScore],
  ];
  return Object.fromEntries(pairs.filter((pair): pair is [string, string | number] => pair[0] !== undefined && pair[0] !== ""));
}

const personIds = new RecordIds();

/** Updates the person's score fields: by its id when this isolate knows it, else found by exact email, else created. */
async function syncPerson(lead: LeadSnapshot, cfg: PipedriveConfig, env: Env, timeoutMs: number): Promise<DeliveryResult> {
  const url = (path: string, query: Record<string, string> = {}) => `${env.PIPEDRIVE_API_URL}${path}?${new URLSearchParams({ ...query, api_token: cfg.apiToken })}`;
  const values = fieldValues(lead, cfg.fields);
  const update = (id: string) => sendRequest(jsonRequest(url(`/persons/${encodeURIComponent(id)}`), values, {}, "PUT"), timeoutMs, succeeded);
  const cacheKey = await RecordIds.key(cfg.apiToken, lead.email!);
  const known = personIds.get(cacheKey);
  if (known) {
    const updated = await update(known);
    if (updated.ok || updated.status !== 404) return updated;
    personIds.forget(cacheKey);
  }
  const search = await sendRequest(
    new Request(url("/persons/search", { term: lead.email!, fields: "email", exact_match: "true", limit: "1" }), { headers: { Accept: "application/json" } }),
    timeoutMs,
    succeeded,
    LOOKUP_BODY_LIMIT,
  );
  if (!search.ok) return search;
  const found = jsonOf<{ data?: { items?: { item: { id: number } }[] } }>(search.body)?.data?.items?.[0]?.item.id;
  if (found !== undefined) {
    personIds.set(cacheKey, String(found));
    return update(String(found));
  }
  if (!cfg.createMissing) return { ok: true, status: 200, body: "no person with this email" };
  const person = { name: lead.email, email: [{ value: lead.email, primary: true, label: "work" }], ...values };
  const created = await sendRequest(jsonRequest(url("/persons"), person), timeoutMs, succeeded, LOOKUP_BODY_LIMIT);
  const id = created.ok ? jsonOf<{ data?: { id?: number } }>(created.body)?.data?.id : undefined;
  if (id !== undefined) personIds.set(cacheKey, String(id));
  return created;
}

/**
 * Pipedrive: the person with the lead's email gets its score (and, as
 * configured, stage, grade, ICP and behaviour scores) in custom person
 * fields, on every score or stage change; a person's waiting changes go out
 * once, as the last.
 */
export const pipedrive: DestinationModule<PipedriveConfig> = {
  type: "pipedrive",
  title: "Pipedrive",
  docsUrl: "https://developers.pipedrive.com/docs/api/v1/Persons",
  config,
  secretFields: ["apiToken"],
  accepts: (item) => item.kind !== "event" && item.lead.email !== null,
  // Per token, Pipedrive's search API takes 10 requests per 2 s (the lowest of its limits; an update is one more, within the plan's 20+).
  rate: () => ({ limit: 10, periodSeconds: 2 }),
  // So few calls need few shards: each keeps a useful share of the token's pace.
  maxShards: 4,
  coalesceKey: (item) => item.lead.email,
  deliver: async (item, cfg, { env, timeoutMs }) =>
    emailOf(item.lead) === null ? MASKED_EMAIL : withoutSecret(await syncPerson(item.lead, cfg, env, timeoutMs), cfg.apiToken),
};
