import { deadLetters, deliveryStates, getDestination, listDestinations, recordDelivery, type Destination } from "../db/destinations";
import { hasFired, listAutomations, recordFiring, type Automation } from "../db/automations";
import { deliverWithRetries, itemsFor } from "../destinations/deliver";
import { backoffMs } from "../destinations/backoff";
import type { DeliveryItem, DeliveryResult } from "../destinations/types";
import { firingDay, triggerFires } from "../automations/triggers";
import { isLeadErased } from "../db/tombstones";

/** A lead's outbox batch, or dead letters to replay for one destination. */
export type DestinationMessage =
  | { kind: "lead-batch"; batchId: string; namespaceId: string; leadId: string; items: DeliveryItem[] }
  | { kind: "replay"; namespaceId: string; destinationId: string; messageIds: string[] };

type LeadBatch = Extract<DestinationMessage, { kind: "lead-batch" }>;

/** What one destination (or the automations) still owes for a batch: a retry, after how many tries so far. */
interface Progress {
  retry: boolean;
  retryAfterMs?: number;
  tries?: number;
}

const DONE: Progress = { retry: false };

/**
 * Fans each lead batch out to the namespace's enabled destinations. Per
 * destination the items go strictly in order: the first that fails with a
 * retryable error stops that destination's sequence, and the batch is sent
 * again after a backoff (what was delivered is skipped then, by the delivery
 * log). Each item has its own budget of tries (DELIVERY_MAX_ATTEMPTS), after
 * which it becomes a dead letter. Only when every destination is done does
 * the lead hear `deliveryDone` and send its next batch, so order holds per
 * lead and destination.
 */
export async function consumeDestinations(batch: MessageBatch<DestinationMessage>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = message.body;
      if (body.kind === "replay") {
        await replay(env, body);
        message.ack();
        return;
      }
      // Sent before the lead was erased: nothing of it goes out any more.
      if (await isLeadErased(env.DB, body.leadId)) {
        message.ack();
        return;
      }
      const destinations = await listDestinations(env.DB, body.namespaceId, true);
      const progress = await Promise.all([
        ...destinations.map((d) => deliverInOrder(env, d, body)),
        runAutomations(env, body),
      ]);
      const waiting = progress.filter((p) => p.retry);
      if (waiting.length > 0) {
        const retryAfter = Math.max(0, ...waiting.map((p) => p.retryAfterMs ?? 0));
        const tries = Math.max(1, ...waiting.map((p) => p.tries ?? message.attempts));
        const delayMs = backoffMs(tries - 1, Number(env.DELIVERY_BACKOFF_BASE_MS), Number(env.DELIVERY_BACKOFF_CAP_MS), retryAfter || undefined);
        // A fresh message rather than message.retry(): the queue's retry count would
        // otherwise be shared by every item of the batch; budgets are per item.
        await env.DESTINATIONS.send(body, { delaySeconds: Math.round(delayMs / 1000) });
        message.ack();
        return;
      }
      await env.LEAD.get(env.LEAD.idFromString(body.leadId)).deliveryDone(body.batchId);
      message.ack();
    }),
  );
}

async function deliverInOrder(env: Env, destination: Destination, batch: LeadBatch): Promise<Progress> {
  const items = itemsFor(destination, batch.items);
  const states = await deliveryStates(env.DB, destination.id, items.map((i) => i.messageId));
  for (const item of items) {
    const state = states.get(item.messageId);
    if (state && state.status !== "retrying") continue; // delivered, or a dead letter left for replay
    const { result, attempts } = await deliverWithRetries(env, destination, item);
    const tries = (state?.attempts ?? 0) + attempts;
    const giveUp = !result.ok && (!result.retryable || tries >= Number(env.DELIVERY_MAX_ATTEMPTS));
    await recordDelivery(env.DB, {
      destinationId: destination.id,
      messageId: item.messageId,
      leadId: batch.leadId,
      status: result.ok ? "delivered" : giveUp ? "dead" : "retrying",
      attempts,
      lastStatus: result.ok ? result.status : (result.status ?? null),
      lastError: result.ok ? null : result.error,
      payload: giveUp ? JSON.stringify(item) : null,
    });
    if (!result.ok && !giveUp) return { retry: true, retryAfterMs: result.retryAfterMs, tries };
  }
  return DONE;
}

/**
 * Fires the namespace's automations for this batch's changes, at most once
 * per automation, lead and day. An action gets a couple of quick tries; one
 * that still fails is logged and counts as that day's firing, so a broken
 * action never holds up the lead's deliveries.
 */
async function runAutomations(env: Env, batch: LeadBatch): Promise<Progress> {
  const changes = batch.items.filter((i) => i.kind === "change" && i.change);
  if (changes.length === 0) return DONE;
  const automations = await listAutomations(env.DB, batch.namespaceId, true);
  const day = firingDay(Date.now());
  for (const item of changes) {
    for (const automation of automations) {
      if (!triggerFires(automation.trigger, item.change!.before, item.change!.after)) continue;
      if (await hasFired(env.DB, automation.id, batch.leadId, day)) continue;
      const result = await runAction(env, automation, { ...item, messageId: `automation:${automation.id}:${batch.leadId}:${day}` });
      if (!result.ok) console.error(`automation ${automation.id} failed for lead ${batch.leadId}: ${result.error}`);
      await recordFiring(env.DB, automation.id, batch.leadId, day);
    }
  }
  return DONE;
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

async function replay(env: Env, message: Extract<DestinationMessage, { kind: "replay" }>): Promise<void> {
  const destination = await getDestination(env.DB, message.namespaceId, message.destinationId);
  if (!destination) return;
  const wanted = new Set(message.messageIds);
  for (const letter of await deadLetters(env.DB, destination.id, 1000)) {
    if (!wanted.has(letter.messageId) || !letter.payload) continue;
    const item = JSON.parse(letter.payload) as DeliveryItem;
    const { result, attempts } = await deliverWithRetries(env, destination, item);
    await recordDelivery(env.DB, {
      destinationId: destination.id,
      messageId: item.messageId,
      leadId: item.lead.id,
      status: result.ok ? "delivered" : "dead",
      attempts,
      lastStatus: result.ok ? result.status : (result.status ?? null),
      lastError: result.ok ? null : result.error,
      payload: result.ok ? null : letter.payload,
    });
  }
}

/**
 * The queue's own dead-letter queue: batches the consumer failed on every
 * time (it threw). Their undelivered items become dead letters for each
 * destination that takes them, and the lead is released to send its next batch.
 */
export async function consumeDestinationDeadLetters(batch: MessageBatch<DestinationMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body;
    if (body.kind === "lead-batch") {
      for (const destination of await listDestinations(env.DB, body.namespaceId, true)) {
        const items = itemsFor(destination, body.items);
        const states = await deliveryStates(env.DB, destination.id, items.map((i) => i.messageId));
        for (const item of items.filter((i) => (states.get(i.messageId)?.status ?? "retrying") === "retrying")) {
          await recordDelivery(env.DB, {
            destinationId: destination.id,
            messageId: item.messageId,
            leadId: body.leadId,
            status: "dead",
            attempts: 0,
            lastStatus: null,
            lastError: "the delivery consumer failed on this batch every time",
            payload: JSON.stringify(item),
          });
        }
      }
      await env.LEAD.get(env.LEAD.idFromString(body.leadId)).deliveryDone(body.batchId);
    }
    message.ack();
  }
}
