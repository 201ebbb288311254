import { z } from "zod";
import { sendRequest } from "./http";
import type { DeliveryItem, DestinationModule } from "./types";
import { headerMap, outboundUrl } from "../schemas/config-fields";

const config = z.object({
  url: outboundUrl,
  /** Signs every body; receivers verify X-Leadflare-Signature with it. */
  secret: z.string().min(16).max(1000).optional(),
  headers: headerMap.default({}),
  timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
  /** Also send the lead's score and stage changes, not only its events. */
  changes: z.boolean().default(false),
  /** The pace the receiver takes (calls a second, one item each), spread over the destination's shards. */
  callsPerSecond: z.number().int().min(1).max(10_000).default(50),
});
type WebhookConfig = z.output<typeof config>;

const encoder = new TextEncoder();

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is
 * signed with the body so a captured request cannot be replayed later.
 */
export async function signature(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${timestamp},v1=${hex}`;
}

export function webhookBody(item: DeliveryItem) {
  return { type: item.kind, messageId: item.messageId, lead: item.lead, event: item.event ?? null, change: item.change ?? null };
}

/** A JSON POST of every item, signed, with the messageId as Idempotency-Key. */
export const webhook: DestinationModule<WebhookConfig> = {
  type: "webhook",
  title: "Webhook",
  docsUrl: "README.md#destinations-and-automations",
  config,
  // Header values carry credentials (Authorization: Bearer …): every one is a secret.
  secretFields: ["secret", "headers"],
  accepts: (item, cfg) => item.kind !== "change" || cfg.changes,
  // The receiver's API takes one item per call (its Idempotency-Key is the item's); a polite default pace, the receiver's own when it says.
  rate: (cfg) => ({ limit: cfg.callsPerSecond, periodSeconds: 1 }),
  async deliver(item, cfg) {
    const body = JSON.stringify(webhookBody(item));
    const headers: Record<string, string> = { ...cfg.headers, "Content-Type": "application/json", "Idempotency-Key": item.messageId };
    if (cfg.secret) headers["X-Leadflare-Signature"] = await signature(cfg.secret, Math.floor(Date.now() / 1000), body);
    return sendRequest(new Request(cfg.url, { method: "POST", headers, body }), cfg.timeoutMs);
  },
};


