import { z } from "zod";
import { chatAccepts, happening, leadLabel } from "./chat-text";
import { jsonRequest, sendRequest } from "./http";
import type { DeliveryItem, DeliveryResult, DestinationModule } from "./types";
import { configText, outboundUrl } from "../schemas/config-fields";

const config = z.object({
  /** The channel's webhook URL (`https://discord.com/api/webhooks/<id>/<token>`): its token is a secret. */
  webhookUrl: outboundUrl,
  /** Events worth a message (canonical names); stage changes are announced when `stageChanges`. */
  events: z.array(configText(200)).max(100).default(["demo_request", "contract_signed", "email_replied"]),
  stageChanges: z.boolean().default(true),
  /** The name the message is posted under. */
  username: configText(80).default("leadflare"),
});
type DiscordConfig = z.output<typeof config>;

/** Discord takes up to 10 embeds in one message. */
const MAX_EMBEDS = 10;
const STAGE_COLOURS: Record<string, number> = { cold: 0x5865f2, warm: 0xfee75c, hot: 0xed4245, qualified: 0x57f287 };

export function discordEmbed(item: DeliveryItem) {
  const lead = item.change?.after ?? item.lead;
  return {
    title: `${leadLabel(lead)} — ${happening(item)}`.slice(0, 256),
    color: STAGE_COLOURS[lead.stage] ?? 0x99aab5,
    fields: [
      { name: "Score", value: String(lead.score), inline: true },
      { name: "Stage", value: lead.stage, inline: true },
      { name: "Grade", value: lead.grade, inline: true },
    ],
    footer: { text: `leadflare · ${item.messageId}`.slice(0, 2048) },
  };
}

/** Discord's 429 carries `retry_after` (seconds) in its JSON body; a longer wait there wins over the header. */
export function withBodyRetryAfter(result: DeliveryResult): DeliveryResult {
  if (result.ok || result.status !== 429 || !result.body) return result;
  try {
    const seconds = (JSON.parse(result.body) as { retry_after?: unknown }).retry_after;
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return result;
    return { ...result, retryAfterMs: Math.max(result.retryAfterMs ?? 0, Math.ceil(seconds * 1000)) };
  } catch {
    return result;
  }
}

/** Executes the webhook with `?wait=true`, so success is Discord's 200 with the created message. */
async function post(items: DeliveryItem[], cfg: DiscordConfig, timeoutMs: number): Promise<DeliveryResult> {
  const url = new URL(cfg.webhookUrl);
  url.searchParams.set("wait", "true");
  const body = { username: cfg.username, embeds: items.map(discordEmbed), allowed_mentions: { parse: [] } };
  return withBodyRetryAfter(await sendRequest(jsonRequest(url.toString(), body), timeoutMs));
}

/** Discord webhook: chosen events and stage changes as embeds, up to ten to a message. */
export const discord: DestinationModule<DiscordConfig> = {
  type: "discord",
  title: "Discord",
  docsUrl: "https://discord.com/developers/docs/resources/webhook#execute-webhook",
  config,
  secretFields: ["webhookUrl"],
  accepts: chatAccepts,
  // A channel's webhook takes about 30 messages a minute (bursts of 5 per 2 s).
  rate: () => ({ limit: 30, periodSeconds: 60 }),
  maxShards: 1,
  deliver: (item, cfg, { timeoutMs }) => post([item], cfg, timeoutMs),
  batch: {
    maxItems: () => MAX_EMBEDS,
    deliverMany: (items, cfg, { timeoutMs }) => post(items, cfg, timeoutMs),
  },
};
