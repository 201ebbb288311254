import { z } from "zod";
import { acceptsContactChange, CONTACT_VALUES, contactKey, contactValues, latestByEmail } from "./contact-fields";
import { BULK_ANSWER_CHARS, jsonRequest, onlyItem, sendRequest } from "./http";
import type { DeliveryItem, DeliveryResult, DestinationModule, ItemRejection } from "./types";
import { headerSecret } from "../schemas/config-fields";

/** Mailchimp API keys end in their datacenter: `…-us21` is served by https://us21.api.mailchimp.com. */
const DATACENTER = /-([a-z]{2,5}\d{1,3})$/;
/** A merge field's tag: upper-case letters, digits and underscores, at most 10. */
const mergeTag = z.string().regex(/^[A-Z][A-Z0-9_]{0,9}$/, "must be a Mailchimp merge tag: up to 10 upper-case letters, digits or _");

const config = z.object({
  apiKey: headerSecret.regex(DATACENTER, "must be a Mailchimp API key ending in its datacenter, e.g. …-us21"),
  /** The audience (list) id. */
  listId: z.string().regex(/^[a-z0-9]{1,20}$/, "must be a Mailchimp audience id"),
  /**
   * The status members are written with (existing members take it too):
   * `transactional` by default, so nobody is opted into marketing by a score;
   * `subscribed` only for an audience of leads who opted in.
   */
  status: z.enum(["transactional", "subscribed", "pending"]).default("transactional"),
  /** Which merge field holds which lead value; create them in the audience first. */
  mergeFields: z.partialRecord(z.enum(CONTACT_VALUES), mergeTag).default({ score: "LEADSCORE", stage: "LEADSTAGE", grade: "LEADGRADE" }),
});
type MailchimpConfig = z.output<typeof config>;

/** Mailchimp's batch subscribe takes up to 500 members a call. */
const MAX_MEMBERS = 500;

/** The API's base: MAILCHIMP_API_URL when set (local runs and tests), else the key's datacenter. */
export function mailchimpBase(apiKey: string, env: Env): string {
  if (env.MAILCHIMP_API_URL) return env.MAILCHIMP_API_URL;
  return `https://${DATACENTER.exec(apiKey)![1]}.api.mailchimp.com/3.0`;
}

/**
 * A 200 answer lists the members it refused (`errors`: email, message,
 * code); those items are dead-lettered, the others are delivered.
 */
function rejectedMembers(result: DeliveryResult, messageIdByEmail: Map<string, string>): DeliveryResult {
  if (!result.ok) return result;
  let errors: Array<{ email_address?: string; error?: string; error_code?: string }> = [];
  try {
    errors = (JSON.parse(result.body) as { errors?: typeof errors }).errors ?? [];
  } catch {
    // Without the list of refused members nothing can be called delivered; the upsert repeats safely.
    return { ok: false, retryable: true, status: result.status, error: "the batch answer is not JSON" };
  }
  const rejected: ItemRejection[] = [];
  for (const error of errors) {
    const messageId = messageIdByEmail.get(String(error.email_address ?? "").toLowerCase());
    if (messageId) rejected.push({ messageId, retryable: false, status: 400, error: `${error.error_code ?? "ERROR"}: ${String(error.error ?? "").slice(0, 200)}` });
  }
  return rejected.length > 0 ? { ...result, rejected } : result;
}

async function batchSubscribe(items: DeliveryItem[], cfg: MailchimpConfig, env: Env, timeoutMs: number): Promise<DeliveryResult> {
  const latest = latestByEmail(items);
  const members = [...latest.entries()].map(([email, { lead }]) => {
    const values = contactValues(lead);
    return { email_address: email, status: cfg.status, merge_fields: Object.fromEntries(Object.entries(cfg.mergeFields).map(([name, tag]) => [tag, values[name as keyof typeof values]])) };
  });
  const url = `${mailchimpBase(cfg.apiKey, env)}/lists/${cfg.listId}`;
  const request = jsonRequest(url, { members, update_existing: true }, { Authorization: `Basic ${btoa(`leadflare:${cfg.apiKey}`)}` });
  const result = await sendRequest(request, timeoutMs, undefined, BULK_ANSWER_CHARS);
  return rejectedMembers(result, new Map([...latest].map(([email, { messageId }]) => [email.toLowerCase(), messageId])));
}

/** Mailchimp: batch subscribe/update of audience members by email, with the scores in merge fields. */
export const mailchimp: DestinationModule<MailchimpConfig> = {
  type: "mailchimp",
  title: "Mailchimp",
  docsUrl: "https://mailchimp.com/developer/marketing/api/lists/batch-subscribe-or-unsubscribe/",
  config,
  secretFields: ["apiKey"],
  accepts: acceptsContactChange,
  coalesceKey: contactKey,
  // Mailchimp allows 10 simultaneous connections per account and no per-second limit: 10 calls a second keeps under it.
  rate: () => ({ limit: 10, periodSeconds: 1 }),
  deliver: async (item, cfg, { env, timeoutMs }) => onlyItem(await batchSubscribe([item], cfg, env, timeoutMs)),
  batch: {
    maxItems: () => MAX_MEMBERS,
    deliverMany: (items, cfg, { env, timeoutMs }) => batchSubscribe(items, cfg, env, timeoutMs),
  },
};
