import { z } from "zod";
import { canonicalEventName } from "../scoring/event-name";
import { jsonRequest, sendRequest } from "./http";
import { eventNameOf } from "./transform";
import type { DeliveryItem, DestinationModule, LeadSnapshot } from "./types";
import { configText, outboundUrl } from "../schemas/config-fields";

const config = z.object({
  webhookUrl: outboundUrl,
  /** Events worth a message (canonical names); stage changes are announced when `stageChanges`. */
  events: z.array(configText(200)).max(100).default(["demo_request", "contract_signed", "email_replied"]),
  stageChanges: z.boolean().default(true),
  channel: configText(100).optional(),
});
type SlackConfig = z.output<typeof config>;

function who(lead: LeadSnapshot): string {
  return lead.email ?? lead.userId ?? `lead ${lead.id.slice(0, 8)}`;
}

function scoreLine(lead: LeadSnapshot): string {
  return `score ${lead.score} · ${lead.stage} · grade ${lead.grade}`;
}

/** The readable line a person sees in the channel. */
export function slackText(item: DeliveryItem): string {
  if (item.kind === "change" && item.change) {
    const { before, after } = item.change;
    return `:chart_with_upwards_trend: *${who(after)}* moved ${before?.stage ?? "new"} → *${after.stage}* (${scoreLine(after)})`;
  }
  if (item.kind === "test") return `:white_check_mark: leadflare test message for *${who(item.lead)}*`;
  const name = typeof item.event?.event === "string" ? item.event.event : eventNameOf(item.event);
  return `:fire: *${who(item.lead)}* — ${name} (${scoreLine(item.lead)})`;
}

/** Slack incoming webhook: chosen events and stage changes as readable messages. */
export const slack: DestinationModule<SlackConfig> = {
  type: "slack",
  title: "Slack",
  docsUrl: "https://api.slack.com/messaging/webhooks",
  config,
  secretFields: ["webhookUrl"],
  accepts(item, cfg) {
    if (item.kind === "test") return true;
    if (item.kind === "change") return cfg.stageChanges && item.change?.before?.stage !== item.change?.after.stage;
    return cfg.events.map(canonicalEventName).includes(eventNameOf(item.event));
  },
  // Slack allows about one message per second per incoming webhook.
  rate: () => ({ limit: 1, periodSeconds: 1 }),
  // Only chosen events and stage changes come here: one shard keeps the pace whole.
  maxShards: 1,
  async deliver(item, cfg, { timeoutMs }) {
    const body: Record<string, unknown> = { text: slackText(item), username: "leadflare" };
    if (cfg.channel) body.channel = cfg.channel;
    return sendRequest(jsonRequest(cfg.webhookUrl, body), timeoutMs);
  },
};
