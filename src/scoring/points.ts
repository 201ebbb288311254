import type { MessageType } from "../schemas/segment";
import { canonicalEventName } from "./event-name";

/** Behaviour points per canonical event name, used until a namespace configures its own. */
export const DEFAULT_POINTS: Readonly<Record<string, number>> = {
  page_view: 5,
  signup: 20,
  download: 10,
  demo_request: 50,
  contract_signed: 100,
  email_opened: 5,
  email_clicked: 5,
  email_replied: 10,
  linkedin_message: 10,
  website_visit: 5,
};


/** The name an event is scored and shown under: page and screen calls are page views. */
export function scoringName(type: MessageType, event: string | undefined): string {
  if (type === "page" || type === "screen") return "page_view";
  if (type === "track" && event !== undefined) return canonicalEventName(event);
  return type;
}

/** Points one event is worth; identify, group and alias calls are worth nothing. */
export function pointsFor(name: string, table: Readonly<Record<string, number>> = DEFAULT_POINTS): number {
  return table[name] ?? 0;
}
