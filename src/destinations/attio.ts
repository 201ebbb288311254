import { z } from "zod";
import { jsonRequest, sendRequest } from "./http";
import type { DestinationModule } from "./types";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({ apiKey: headerSecret });
type AttioConfig = z.output<typeof config>;

/**
 * Attio: asserts (upserts) the person matched by email, with the scores as
 * attributes `lead_score`, `icp_score`, `behaviour_score` and `lead_grade`.
 * One idempotent call, so a retry cannot create a second person.
 */
export const attio: DestinationModule<AttioConfig> = {
  type: "attio",
  config,
  secretFields: ["apiKey"],
  // Scores live on the person: only score and stage changes (and tests) are sent.
  accepts: (item) => item.kind !== "event" && item.lead.email !== null,
  async deliver(item, cfg, { env, timeoutMs }) {
    const lead = item.lead;
    const body = {
      data: {
        values: {
          email_addresses: [{ email_address: lead.email }],
          lead_score: [{ value: lead.score }],
          icp_score: [{ value: lead.icpScore }],
          behaviour_score: [{ value: lead.behaviourScore }],
          lead_grade: [{ value: lead.grade }],
        },
      },
    };
    const url = `${env.ATTIO_API_URL}/objects/people/records?matching_attribute=email_addresses`;
    return sendRequest(jsonRequest(url, body, { Authorization: `Bearer ${cfg.apiKey}`, "Idempotency-Key": item.messageId }, "PUT"), timeoutMs);
  },
};
