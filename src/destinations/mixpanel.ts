import { z } from "zod";
import { sendRequest } from "./http";
import type { DestinationModule, LeadSnapshot } from "./types";
import { sha256Hex } from "../http/crypto";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({
  token: headerSecret,
  /** Also keep the person's profile: `$set` of scores, stage and grade on every score or stage change (Cairo's user properties sync). */
  peopleProperties: z.boolean().default(false),
});
type MixpanelConfig = z.output<typeof config>;

/** Mixpanel's $insert_id takes at most 36 letters, digits and dashes; longer ids are hashed. */
export async function insertId(messageId: string): Promise<string> {
  return /^[A-Za-z0-9-]{1,36}$/.test(messageId) ? messageId : (await sha256Hex(messageId)).slice(0, 32);
}

/**
 * Mixpanel /track for events, and /engage `$set` for score changes when
 * `peopleProperties` is on: a form body `data=<base64 JSON>`; success is a
 * body of `1` or `{"status":1}`.
 */
export const mixpanel: DestinationModule<MixpanelConfig> = {
  type: "mixpanel",
  config,
  secretFields: ["token"],
  accepts: (item, cfg) => item.kind !== "change" || cfg.peopleProperties,
  async deliver(item, cfg, { env, timeoutMs }) {
    if (item.kind === "change") return post(`${env.MIXPANEL_API_URL}/engage`, peopleUpdate(item.lead, cfg.token), timeoutMs);
    const event = item.event ?? {};
    const name = typeof event.event === "string" ? event.event : event.type === "page" || event.type === "screen" ? "Page View" : String(event.type ?? "test");
    const time = Math.floor(Date.parse(String(event.timestamp ?? new Date().toISOString())) / 1000);
    const payload = {
      event: name,
      properties: {
        distinct_id: item.lead.userId ?? item.lead.email ?? item.lead.id,
        token: cfg.token,
        time,
        $insert_id: await insertId(item.messageId),
        source: "leadflare",
        lead_score: item.lead.score,
        ...(event.properties as Record<string, unknown> | undefined),
      },
    };
    return post(`${env.MIXPANEL_API_URL}/track`, payload, timeoutMs);
  },
};

/** The person's profile properties leadflare keeps current. */
export function peopleUpdate(lead: LeadSnapshot, token: string) {
  return {
    $token: token,
    $distinct_id: lead.userId ?? lead.email ?? lead.id,
    $set: { lead_score: lead.score, icp_score: lead.icpScore, behaviour_score: lead.behaviourScore, lead_stage: lead.stage, lead_grade: lead.grade, velocity: lead.velocity },
  };
}

function post(url: string, payload: unknown, timeoutMs: number) {
  const data = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(payload))));
  const request = new Request(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "text/plain" },
    body: `data=${data}`,
  });
  return sendRequest(request, timeoutMs, (status, body) => status === 200 && (body.trim() === "1" || /"status"\s*:\s*1/.test(body)));
}
