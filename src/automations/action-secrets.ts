import { redactSecrets } from "../secrets/write-only";
import type { AutomationAction } from "./triggers";

/** Secret fields of each action type: the webhook's signing secret, Slack's URL (it is the credential). */
export const ACTION_SECRETS: Record<AutomationAction["type"], readonly string[]> = { webhook: ["secret"], slack: ["webhookUrl"], destination: [] };

/** Fields an action's secrets are bound to (see src/secrets/bound.ts): the webhook's URL. Slack's URL is its own secret. */
export const ACTION_BINDING_FIELDS: Record<AutomationAction["type"], readonly string[]> = { webhook: ["url"], slack: [], destination: [] };

/** An action as every answer shows it, native or compat: each secret as its hint. */
export function redactAction(action: AutomationAction): Record<string, unknown> {
  return redactSecrets(action as unknown as Record<string, unknown>, ACTION_SECRETS[action.type] ?? []);
}
