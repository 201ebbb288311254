import { canonicalEventName } from "../scoring/event-name";
import { eventNameOf } from "./transform";
import type { DeliveryItem, LeadSnapshot } from "./types";

/**
 * Plain words for an item, shared by the chat and SMS destinations (Discord,
 * Teams, Twilio); each adds its own markup around them.
 */

export function leadLabel(lead: LeadSnapshot): string {
  return lead.email ?? lead.userId ?? `lead ${lead.id.slice(0, 8)}`;
}

export function scoreLine(lead: LeadSnapshot): string {
  return `score ${lead.score} · ${lead.stage} · grade ${lead.grade}`;
}

/** What happened: "moved warm → hot", "Demo Request", "test message". */
export function happening(item: DeliveryItem): string {
  if (item.kind === "change" && item.change) return `moved ${item.change.before?.stage ?? "new"} → ${item.change.after.stage}`;
  if (item.kind === "test") return "leadflare test message";
  return typeof item.event?.event === "string" ? item.event.event : eventNameOf(item.event);
}

/** Whether a change moved the lead to another stage (what chat destinations announce). */
export function isStageChange(item: DeliveryItem): boolean {
  return item.kind === "change" && item.change?.before?.stage !== item.change?.after.stage;
}

/** Chat destinations take tests, stage changes when `stageChanges`, and the chosen events (canonical names). */
export function chatAccepts(item: DeliveryItem, cfg: { events: string[]; stageChanges: boolean }): boolean {
  if (item.kind === "test") return true;
  if (item.kind === "change") return cfg.stageChanges && isStageChange(item);
  return cfg.events.map(canonicalEventName).includes(eventNameOf(item.event));
}
