import { getDestination, type Destination } from "../db/destinations";
import { enabledAutomations } from "../db/delivery-targets";
import { hasFired, recordFiring, type Automation } from "../db/automations";
import { deliverWithRetries } from "../destinations/deliver";
import { firingDay, triggerFires } from "../automations/triggers";
import { isLeadErased } from "../db/tombstones";
import type { DeliveryItem, DeliveryResult } from "../destinations/types";

/**
 * Fires the namespace's automations for a lead batch's change items, at
 * most once per automation, lead and day. An action gets a couple of quick
 * tries; one that still fails is logged and counts as that day's firing, so
 * a broken action never holds up the lead's deliveries.
 */
export async function runAutomations(env: Env, batch: { namespaceId: string; leadId: string; items: readonly DeliveryItem[] }): Promise<void> {
  const changes = batch.items.filter((i) => i.kind === "change" && i.change);
  if (changes.length === 0) return;
  const automations = await enabledAutomations(env.DB, batch.namespaceId);
  const day = firingDay(Date.now());
  let erased: boolean | undefined;
  for (const item of changes) {
    for (const automation of automations) {
      if (!triggerFires(automation.trigger, item.change!.before, item.change!.after)) continue;
      // Sent before the lead was erased: nothing of it goes out any more (looked up only when something fires).
      erased ??= await isLeadErased(env.DB, batch.leadId);
      if (erased) return;
      if (await hasFired(env.DB, automation.id, batch.leadId, day)) continue;
      const result = await runAction(env, automation, { ...item, messageId: `automation:${automation.id}:${batch.leadId}:${day}` });
      if (!result.ok) console.error(`automation ${automation.id} failed for lead ${batch.leadId}: ${result.error}`);
      await recordFiring(env.DB, automation.id, batch.leadId, day);
    }
  }
}

async function runAction(env: Env, automation: Automation, item: DeliveryItem): Promise<DeliveryResult> {
  const action = automation.action;
  const asDestination = (type: Destination["type"], config: Record<string, unknown>): Destination => ({
    id: automation.id,
    namespaceId: automation.namespaceId,
    name: automation.name,
    type,
    config,
    enabled: true,
    filters: {},
    createdAt: automation.createdAt,
    updatedAt: automation.createdAt,
  });
  switch (action.type) {
    case "webhook":
      return (await deliverWithRetries(env, asDestination("webhook", { url: action.url, secret: action.secret, changes: true }), item)).result;
    case "slack":
      return (await deliverWithRetries(env, asDestination("slack", { webhookUrl: action.webhookUrl }), item)).result;
    case "destination": {
      const destination = await getDestination(env.DB, automation.namespaceId, action.destinationId);
      if (!destination) return { ok: false, retryable: false, error: `destination ${action.destinationId} is gone` };
      return (await deliverWithRetries(env, destination, item)).result;
    }
  }
}

