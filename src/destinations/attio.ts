import { z } from "zod";
import { jsonRequest, sendRequest } from "./http";
import type { DestinationModule, LeadSnapshot } from "./types";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({
  apiKey: headerSecret,
  /** Only engaged leads enter the CRM: a lead is pushed once its behaviour score reaches this (Cairo's MIN_BEHAVIOR_SCORE_FOR_ATTIO). */
  minBehaviourScore: z.number().min(0).default(1),
});
type AttioConfig = z.output<typeof config>;

/**
 * Attio: asserts (upserts) the person matched by email, with the scores as
 * attributes `lead_score`, `icp_score`, `behaviour_score`, `lead_grade` (also
 * as `icp`, Cairo's name for it) and `scoring_meta` (JSON: stage, velocity,
 * scores, time). One idempotent call, so a retry cannot create a second
 * person. Leads below `minBehaviourScore` are not pushed.
 */
export const attio: DestinationModule<AttioConfig> = {
  type: "attio",
  title: "Attio",
  docsUrl: "https://docs.attio.com/rest-api/endpoint-reference/records/assert-a-record",
  config,
  secretFields: ["apiKey"],
  // Scores live on the person: only score and stage changes (and tests) are sent.
  accepts: (item, cfg) => item.kind !== "event" && item.lead.email !== null && (item.kind === "test" || item.lead.behaviourScore >= cfg.minBehaviourScore),
  // Attio allows 25 writes per second; the record assert takes one person per call.
  rate: () => ({ limit: 25, periodSeconds: 1 }),
  coalesceKey: (item) => item.lead.email,
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
          icp: [{ value: lead.grade }],
          scoring_meta: [{ value: JSON.stringify(scoringMeta(lead)) }],
        },
      },
    };
    const url = `${env.ATTIO_API_URL}/objects/people/records?matching_attribute=email_addresses`;
    return sendRequest(jsonRequest(url, body, { Authorization: `Bearer ${cfg.apiKey}`, "Idempotency-Key": item.messageId }, "PUT"), timeoutMs);
  },
};

function scoringMeta(lead: LeadSnapshot) {
  return {
    lead_score: lead.score,
    icp_score: lead.icpScore,
    behaviour_score: lead.behaviourScore,
    grade: lead.grade,
    stage: lead.stage,
    velocity: lead.velocity,
    lead_id: lead.id,
    source: "leadflare",
  };
}
