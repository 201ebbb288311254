import { z } from "zod";
import { acceptsContactChange, CONTACT_VALUES, contactKey, contactValues, latestByEmail } from "./contact-fields";
import { jsonRequest, sendRequest } from "./http";
import type { DeliveryItem, DestinationModule } from "./types";
import { headerSecret } from "../schemas/config-fields";

/** A custom field's id as SendGrid names it (`e1_N`, `e2_T`: GET /v3/marketing/field_definitions). */
const fieldId = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, "must be a SendGrid custom field id such as e1_N");

const config = z.object({
  /** An API key with Marketing → Contacts (write) access. */
  apiKey: headerSecret,
  /** Marketing lists the contacts are added to. */
  listIds: z.array(z.uuid("must be a SendGrid list id")).max(100).default([]),
  /** Which custom field holds which lead value: `{"score": "e1_N", "stage": "e2_T"}` (number fields for scores, text for stage and grade). */
  customFields: z.partialRecord(z.enum(CONTACT_VALUES), fieldId).default({}),
});
type SendgridConfig = z.output<typeof config>;

/** SendGrid takes up to 30,000 contacts or 6 MB in one upsert, whichever is lower. */
const MAX_CONTACTS = 30_000;
const MAX_BYTES = 6_000_000;

/** One upsert of the latest state of each email; SendGrid queues it and answers 202 with a job_id. */
function upsert(items: DeliveryItem[], cfg: SendgridConfig, env: Env, timeoutMs: number) {
  const contacts = [...latestByEmail(items).entries()].map(([email, { lead }]) => {
    const values = contactValues(lead);
    const customFields = Object.fromEntries(Object.entries(cfg.customFields).map(([name, id]) => [id, values[name as keyof typeof values]]));
    return Object.keys(customFields).length > 0 ? { email, custom_fields: customFields } : { email };
  });
  const body = cfg.listIds.length > 0 ? { list_ids: cfg.listIds, contacts } : { contacts };
  return sendRequest(jsonRequest(`${env.SENDGRID_API_URL}/v3/marketing/contacts`, body, { Authorization: `Bearer ${cfg.apiKey}` }, "PUT"), timeoutMs);
}

/** SendGrid Marketing Contacts: upsert by email with the scores in custom fields. */
export const sendgrid: DestinationModule<SendgridConfig> = {
  type: "sendgrid",
  title: "SendGrid",
  docsUrl: "https://www.twilio.com/docs/sendgrid/api-reference/contacts/add-or-update-a-contact",
  config,
  secretFields: ["apiKey"],
  accepts: acceptsContactChange,
  coalesceKey: contactKey,
  // SendGrid's v3 API allows about 600 requests a minute; each upsert carries up to 30,000 contacts.
  rate: () => ({ limit: 600, periodSeconds: 60 }),
  deliver: (item, cfg, { env, timeoutMs }) => upsert([item], cfg, env, timeoutMs),
  batch: {
    maxItems: () => MAX_CONTACTS,
    maxBytes: MAX_BYTES,
    deliverMany: (items, cfg, { env, timeoutMs }) => upsert(items, cfg, env, timeoutMs),
  },
};
