import { z } from "zod";
import { sendRequest } from "./http";
import type { DestinationModule } from "./types";
import { sha256Hex } from "../http/crypto";
import { headerSecret } from "../schemas/config-fields";

const config = z.object({ token: headerSecret });
type MixpanelConfig = z.output<typeof config>;

/** Mixpanel's $insert_id takes at most 36 letters, digits and dashes; longer ids are hashed. */
export async function insertId(messageId: string): Promise<string> {
  return /^[A-Za-z0-9-]{1,36}$/.test(messageId) ? messageId : (await sha256Hex(messageId)).slice(0, 32);
}

/** Mixpanel /track: a form body `data=<base64 JSON>`; success is a body of `1` or `{"status":1}`. */
export const mixpanel: DestinationModule<MixpanelConfig> = {
  type: "mixpanel",
  config,
  secretFields: ["token"],
  accepts: (item) => item.kind !== "change",
  async deliver(item, cfg, { env, timeoutMs }) {
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
    const data = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(payload))));
    const request = new Request(`${env.MIXPANEL_API_URL}/track`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "text/plain" },
      body: `data=${data}`,
    });
    return sendRequest(request, timeoutMs, (status, body) => status === 200 && (body.trim() === "1" || /"status"\s*:\s*1/.test(body)));
  },
};
