import { z } from "zod";
import { chatAccepts, happening, leadLabel } from "./chat-text";
import { jsonRequest, sendRequest } from "./http";
import type { DeliveryItem, DeliveryResult, DestinationModule } from "./types";
import { configText, outboundUrl } from "../schemas/config-fields";

const config = z.object({
  /** A Teams Workflows ("Post to a channel when a webhook request is received") or incoming webhook URL: its signature is a secret. */
  webhookUrl: outboundUrl,
  /** Events worth a card (canonical names); stage changes are announced when `stageChanges`. */
  events: z.array(configText(200)).max(100).default(["demo_request", "contract_signed", "email_replied"]),
  stageChanges: z.boolean().default(true),
});
type TeamsConfig = z.output<typeof config>;

/** Items per card: a card stays well under Teams' 28 KB message limit. */
const MAX_ITEMS_PER_CARD = 10;

function itemBlock(item: DeliveryItem) {
  const lead = item.change?.after ?? item.lead;
  return {
    type: "Container",
    separator: true,
    items: [
      { type: "TextBlock", text: `${leadLabel(lead)} — ${happening(item)}`, weight: "Bolder", wrap: true },
      {
        type: "FactSet",
        facts: [
          { title: "Score", value: String(lead.score) },
          { title: "Stage", value: lead.stage },
          { title: "Grade", value: lead.grade },
        ],
      },
    ],
  };
}

/** The message a Teams webhook takes: one Adaptive Card attachment. */
export function teamsMessage(items: DeliveryItem[]) {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [{ type: "TextBlock", text: "leadflare", size: "Small", isSubtle: true }, ...items.map(itemBlock)],
        },
      },
    ],
  };
}

/**
 * Workflows answer 202; the older incoming webhooks 200 with `1`, and report
 * their own throttling as a 200 whose text names HTTP 429, which is retried.
 */
async function post(items: DeliveryItem[], cfg: TeamsConfig, timeoutMs: number): Promise<DeliveryResult> {
  const result = await sendRequest(jsonRequest(cfg.webhookUrl, teamsMessage(items)), timeoutMs, (status, body) => status === 202 || body.trim() === "" || body.trim() === "1");
  if (!result.ok && result.status === 200 && /\b429\b/.test(result.body ?? "")) return { ...result, retryable: true };
  return result;
}

/** Microsoft Teams: chosen events and stage changes as an Adaptive Card in a channel. */
export const teams: DestinationModule<TeamsConfig> = {
  type: "teams",
  title: "Microsoft Teams",
  docsUrl: "https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook",
  config,
  secretFields: ["webhookUrl"],
  accepts: chatAccepts,
  // Teams webhooks take 4 requests a second and 60 in 30 s; the 30 s window is the one that binds.
  rate: () => ({ limit: 60, periodSeconds: 30 }),
  maxShards: 1,
  deliver: (item, cfg, { timeoutMs }) => post([item], cfg, timeoutMs),
  batch: {
    maxItems: () => MAX_ITEMS_PER_CARD,
    deliverMany: (items, cfg, { timeoutMs }) => post(items, cfg, timeoutMs),
  },
};
