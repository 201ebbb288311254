import { getDestination, listDestinations, type Destination } from "../db/destinations";
import { enabledAutomations, enabledDestinations } from "../db/delivery-targets";
import { hasFired, recordFiring, type Automation } from "../db/automations";
import { deliverWithRetries, itemsFor } from "../destinations/deliver";
import { backoffMs } from "../destinations/backoff";
import { allShards, shardForLead } from "../destinations/shards";
import { firingDay, triggerFires } from "../automations/triggers";
import { isLeadErased } from "../db/tombstones";
import type { DeliveryItem, DeliveryResult, LeadSnapshot } from "../destinations/types";
import { byLead } from "./by-lead";
import { leadStub } from "../leads/lead-stub";
import { config } from "../config";

/**
 * What the lead records once a batch is handed over: how far its log is
 * delivered, with the change items sent and the lead as they showed it; or,
 * for a parked batch sent again, that it is no longer parked.
 */
export type BatchReceipt = { upto: number; changes: number; snapshot: LeadSnapshot | null } | { parked: string };

/** A lead's outbox batch, or dead letters to replay for one destination (a message from before replays went straight to the shards). */
export type DestinationMessage =
  | { kind: "lead-batch"; batchId: string; namespaceId: string; leadId: string; items: DeliveryItem[]; receipt?: BatchReceipt }
  | { kind: "replay"; namespaceId: string; destinationId: string; messageIds: string[] };

type LeadBatch = Extract<DestinationMessage, { kind: "lead-batch" }>;

/**
 * The destinations queue a lead's outbox sends to: one of eight, chosen by the
 * lead id, so a queue carries an eighth of the lead batches (at most one per
 * event: 2,083/s of its 5,000/s at 1,000,000 events a minute) and a lead's
 * batches, one in flight at a time, always take the same queue.
 */
export function destinationsQueue(env: Env, leadId: string): Queue<DestinationMessage> {
  const shards = [env.DESTINATIONS, env.DESTINATIONS_1, env.DESTINATIONS_2, env.DESTINATIONS_3, env.DESTINATIONS_4, env.DESTINATIONS_5, env.DESTINATIONS_6, env.DESTINATIONS_7];
  return byLead(shards, leadId) as Queue<DestinationMessage>;
}

/**
 * Hands each lead batch to the namespace's enabled destinations: the items a
 * destination takes go to its delivery shard for this lead
 * (durable/delivery-object.ts), which batches them with other leads' items,
 * sends them at the destination's pace, retries and keeps the log. A shard
 * answers once it owns the items: sent in its gathered round (no row written),
 * or stored to wait (a failure, backoff, out of tokens): so a destination that
 * is down holds up no other's items, and a slow one delays the lead's next
 * batch by at most its round (gathering plus its calls' timeout). Once every shard has
 * the items the lead hears `deliveryDone` with the batch's receipt (its
 * cursor moves) and sends its next batch, so order holds per lead and
 * destination. Automations run here, on the batch's changes. (The archive
 * takes the lead's rows from the lead itself: durable/lead-archive.ts.)
 */
export async function consumeDestinations(batch: MessageBatch<DestinationMessage>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = message.body;
      try {
        if (body.kind === "replay") await replay(env, body);
        else await handOver(env, body);
        message.ack();
      } catch (error) {
        console.error(`destinations consumer: ${body.kind} not handed over; retrying`, error);
        const delayMs = backoffMs(message.attempts - 1, config(env).delivery.backoff.baseMs, config(env).delivery.backoff.capMs);
        message.retry({ delaySeconds: Math.round(delayMs / 1000) });
      }
    }),
  );
}

async function handOver(env: Env, body: LeadBatch): Promise<void> {
  // No D1 read per batch: a shard drops the items of an erased lead before sending them.
  const destinations = await enabledDestinations(env.DB, body.namespaceId);
  await Promise.all([
    ...destinations.map(async (destination) => {
      const items = itemsFor(destination, body.items);
      if (items.length > 0) await shardForLead(env, destination, body.leadId).accept(body.namespaceId, destination.id, body.leadId, items, destination.updatedAt);
    }),
    runAutomations(env, body),
  ]);
  await leadStub(env, body.leadId).deliveryDone(body.batchId, body.receipt);
}

/**
 * Fires the namespace's automations for this batch's changes, at most once
 * per automation, lead and day. An action gets a couple of quick tries; one
 * that still fails is logged and counts as that day's firing, so a broken
 * action never holds up the lead's deliveries.
 */
async function runAutomations(env: Env, batch: LeadBatch): Promise<void> {
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

async function replay(env: Env, body: Extract<DestinationMessage, { kind: "replay" }>): Promise<void> {
  const destination = await getDestination(env.DB, body.namespaceId, body.destinationId);
  if (destination) await Promise.all(allShards(env, destination).map((shard) => shard.replay(body.messageIds)));
}

/**
 * The queue's own dead-letter queue: batches the consumer failed to hand over
 * every time. Their items become dead letters in each destination's shard
 * (replayable from the API), and the lead is released to send its next batch.
 */
export async function consumeDestinationDeadLetters(batch: MessageBatch<DestinationMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body;
    if (body.kind === "lead-batch") {
      for (const destination of await listDestinations(env.DB, body.namespaceId, true)) {
        const items = itemsFor(destination, body.items);
        if (items.length === 0) continue;
        await shardForLead(env, destination, body.leadId).accept(body.namespaceId, destination.id, body.leadId, items, destination.updatedAt, "the delivery consumer failed on this batch every time");
      }
      await leadStub(env, body.leadId).deliveryDone(body.batchId, body.receipt);
    }
    message.ack();
  }
}
