import { z } from "zod";
import { acceptsContactChange, CONTACT_VALUES, contactKey, contactValues, latestByEmail } from "./contact-fields";
import { BULK_ANSWER_CHARS, jsonRequest, onlyItem, sendRequest } from "./http";
import { accessToken, forgetToken } from "./salesforce-auth";
import type { DeliveryItem, DeliveryResult, DestinationModule, ItemRejection, LeadSnapshot } from "./types";
import { configText, headerSecret, outboundUrl } from "../schemas/config-fields";

/** An API field name: a standard field, or a custom one ending in __c. */
const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, "must be a Salesforce field API name, e.g. Lead_Score__c");

const config = z
  .object({
    /** The org's My Domain URL, e.g. https://acme.my.salesforce.com. */
    instanceUrl: outboundUrl,
    /** A connected app's consumer key and secret (client credentials flow)… */
    clientId: headerSecret.optional(),
    clientSecret: headerSecret.optional(),
    /** …or an access token the tenant refreshes itself. */
    accessToken: headerSecret.optional(),
    apiVersion: z.string().regex(/^v\d{2,3}\.0$/, "must be an API version such as v62.0").default("v62.0"),
    /** Which Lead field holds which lead value; create the custom fields first. */
    fields: z.partialRecord(z.enum(CONTACT_VALUES), fieldName).default({ score: "Lead_Score__c", stage: "Lead_Stage__c", grade: "Lead_Grade__c" }),
    /** A new Lead needs LastName and Company; leadflare knows neither, so new Leads get these (Web-to-Lead's own placeholder). */
    newLeadLastName: configText(80).default("[not provided]"),
    newLeadCompany: configText(255).default("[not provided]"),
  })
  .refine((c) => c.accessToken !== undefined || (c.clientId !== undefined && c.clientSecret !== undefined), {
    message: "needs clientId and clientSecret (client credentials flow) or an accessToken",
    path: ["clientSecret"],
  });
type SalesforceConfig = z.output<typeof config>;

/** sObject Collections take up to 200 records a call. */
const MAX_RECORDS = 200;
/** Record errors worth trying again: a locked row, a busy org. */
const RETRYABLE_CODES = new Set(["UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE"]);

interface RecordResult {
  id?: string;
  success?: boolean;
  errors?: Array<{ statusCode?: string; message?: string; fields?: string[] }>;
}

function leadFields(lead: LeadSnapshot, cfg: SalesforceConfig): Record<string, unknown> {
  const values = contactValues(lead);
  return Object.fromEntries(Object.entries(cfg.fields).map(([name, field]) => [field, values[name as keyof typeof values]]));
}

/** One result per record sent, in order; anything else is unreadable (undefined). */
function recordResults(result: DeliveryResult, sent: number): RecordResult[] | undefined {
  if (!result.ok) return undefined;
  try {
    const parsed = JSON.parse(result.body);
    return Array.isArray(parsed) && parsed.length === sent ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** An answer that does not say what became of each record: tried again (an upsert by email repeats safely), never taken as delivered. */
const unreadable = (result: DeliveryResult): DeliveryResult => ({ ok: false, retryable: true, status: result.status, error: "the answer does not list a result per record" });

const missingRequired = (r: RecordResult | undefined) => r?.success === false && (r.errors ?? []).some((e) => e.statusCode === "REQUIRED_FIELD_MISSING");

function rejection(messageId: string, r: RecordResult): ItemRejection {
  const first = r.errors?.[0];
  const code = first?.statusCode ?? "UNKNOWN_ERROR";
  return { messageId, retryable: RETRYABLE_CODES.has(code), status: 400, error: `${code}: ${String(first?.message ?? "").slice(0, 200)}` };
}

/** 401: the token expired (retried with a new one); 403 REQUEST_LIMIT_EXCEEDED: the org's daily API allowance is spent (retried later). */
async function classified(result: DeliveryResult, cfg: SalesforceConfig): Promise<DeliveryResult> {
  if (result.ok) return result;
  if (result.status === 401) {
    await forgetToken(cfg);
    return { ...result, retryable: true };
  }
  if (result.status === 403 && /REQUEST_LIMIT_EXCEEDED/.test(result.body ?? "")) return { ...result, retryable: true, retryAfterMs: Math.max(result.retryAfterMs ?? 0, 15 * 60_000) };
  return result;
}

/**
 * Upserts each email's Lead with its latest scores (PATCH sObject
 * Collections keyed by Email, allOrNone false). Emails without a Lead fail
 * with REQUIRED_FIELD_MISSING (no LastName, Company); those are created in a
 * second call with the placeholders, so an existing Lead's name is never
 * overwritten. Each record's own error settles its item.
 */
async function upsertLeads(items: DeliveryItem[], cfg: SalesforceConfig, timeoutMs: number): Promise<DeliveryResult> {
  const auth = await accessToken(cfg, timeoutMs);
  if ("failed" in auth) return auth.failed;
  const headers = { Authorization: `Bearer ${auth.token}` };
  const base = `${cfg.instanceUrl.replace(/\/+$/, "")}/services/data/${cfg.apiVersion}/composite/sobjects`;
  const latest = [...latestByEmail(items).entries()];
  const records = latest.map(([email, { lead }]) => ({ attributes: { type: "Lead" }, Email: email, ...leadFields(lead, cfg) }));
  const upserted = await classified(await sendRequest(jsonRequest(`${base}/Lead/Email`, { allOrNone: false, records }, headers, "PATCH"), timeoutMs, undefined, BULK_ANSWER_CHARS), cfg);
  if (!upserted.ok) return upserted;
  const results = recordResults(upserted, records.length);
  if (!results) return unreadable(upserted);

  const toCreate = latest.filter((_, i) => missingRequired(results[i]));
  let created: RecordResult[] = [];
  if (toCreate.length > 0) {
    const newRecords = toCreate.map(([email, { lead }]) => ({ attributes: { type: "Lead" }, Email: email, LastName: cfg.newLeadLastName, Company: cfg.newLeadCompany, ...leadFields(lead, cfg) }));
    const answer = await classified(await sendRequest(jsonRequest(base, { allOrNone: false, records: newRecords }, headers), timeoutMs, undefined, BULK_ANSWER_CHARS), cfg);
    if (!answer.ok) return answer;
    const createdResults = recordResults(answer, newRecords.length);
    if (!createdResults) return unreadable(answer);
    created = createdResults;
  }
  const createdByEmail = new Map(toCreate.map(([email], i) => [email, created[i]!]));
  const rejected: ItemRejection[] = [];
  latest.forEach(([email, { messageId }], i) => {
    const own = createdByEmail.get(email) ?? results[i]!;
    if (own.success === false) rejected.push(rejection(messageId, own));
  });
  return rejected.length > 0 ? { ...upserted, rejected } : upserted;
}

/** Salesforce: Leads upserted by email with the scores in Lead fields, 200 a call. */
export const salesforce: DestinationModule<SalesforceConfig> = {
  type: "salesforce",
  title: "Salesforce",
  docsUrl: "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm",
  config,
  secretFields: ["clientSecret", "accessToken"],
  accepts: acceptsContactChange,
  coalesceKey: contactKey,
  // Orgs get at least 100,000 API calls a day, shared with every other integration: 1,000 an hour (200,000 Leads) is a quarter of that.
  rate: () => ({ limit: 1_000, periodSeconds: 3_600 }),
  // Calls are what an org rations: few shards gather fuller calls.
  maxShards: 4,
  deliver: async (item, cfg, { timeoutMs }) => onlyItem(await upsertLeads([item], cfg, timeoutMs)),
  batch: {
    maxItems: () => MAX_RECORDS,
    deliverMany: (items, cfg, { timeoutMs }) => upsertLeads(items, cfg, timeoutMs),
  },
};
