import { z } from "zod";
import { jsonRequest, sendRequest } from "./http";
import type { DeliveryItem, DestinationModule } from "./types";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({ accessToken: headerSecret });
type HubspotConfig = z.output<typeof config>;

/** HubSpot: batch upsert of the contact keyed by email, with the scores as contact properties. */
export const hubspot: DestinationModule<HubspotConfig> = {
  type: "hubspot",
  title: "HubSpot",
  docsUrl: "https://developers.hubspot.com/docs/api/crm/contacts",
  config,
  secretFields: ["accessToken"],
  // Scores live on the contact: only score and stage changes (and tests) are sent.
  accepts: (item) => item.kind !== "event" && item.lead.email !== null,
  // HubSpot's batch upsert takes 100 inputs; private apps may make 100 calls per 10 s.
  rate: () => ({ limit: 100, periodSeconds: 10 }),
  coalesceKey: (item) => item.lead.email,
  deliver(item, cfg, context) {
    return upsert([item], cfg.accessToken, context.env, context.timeoutMs);
  },
  batch: {
    maxItems: () => 100,
    deliverMany: (items, cfg, context) => upsert(items, cfg.accessToken, context.env, context.timeoutMs),
  },
};

/** One batch upsert; an email appears once per call (HubSpot refuses duplicates), with its latest scores. */
function upsert(items: DeliveryItem[], accessToken: string, env: Env, timeoutMs: number) {
  const latest = new Map<string, DeliveryItem["lead"]>();
  for (const item of items) if (item.lead.email) latest.set(item.lead.email, item.lead);
  const inputs = [...latest.values()].map((lead) => ({
    idProperty: "email",
    id: lead.email,
    properties: {
      email: lead.email,
      lead_score: String(lead.score),
      icp_score: String(lead.icpScore),
      behaviour_score: String(lead.behaviourScore),
      lead_grade: lead.grade,
      lead_stage: lead.stage,
    },
  }));
  const url = `${env.HUBSPOT_API_URL}/crm/v3/objects/contacts/batch/upsert`;
  const key = items.length === 1 ? items[0]!.messageId : `${items[0]!.messageId}..${items.at(-1)!.messageId}`;
  return sendRequest(jsonRequest(url, { inputs }, { Authorization: `Bearer ${accessToken}`, "Idempotency-Key": key }), timeoutMs);
}
