import { z } from "zod";
import { jsonRequest, sendRequest } from "./http";
import type { DestinationModule } from "./types";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({ accessToken: headerSecret });
type HubspotConfig = z.output<typeof config>;

/** HubSpot: batch upsert of the contact keyed by email, with the scores as contact properties. */
export const hubspot: DestinationModule<HubspotConfig> = {
  type: "hubspot",
  config,
  secretFields: ["accessToken"],
  // Scores live on the contact: only score and stage changes (and tests) are sent.
  accepts: (item) => item.kind !== "event" && item.lead.email !== null,
  async deliver(item, cfg, { env, timeoutMs }) {
    const lead = item.lead;
    const body = {
      inputs: [
        {
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
        },
      ],
    };
    const url = `${env.HUBSPOT_API_URL}/crm/v3/objects/contacts/batch/upsert`;
    return sendRequest(jsonRequest(url, body, { Authorization: `Bearer ${cfg.accessToken}`, "Idempotency-Key": item.messageId }), timeoutMs);
  },
};
