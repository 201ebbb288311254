import { getDestination, listDestinations } from "../db/destinations";
import { enabledDestinations } from "../db/delivery-targets";
import { itemsFor } from "../destinations/deliver";
import { backoffMs } from "../destinations/backoff";
import { allShards, shardForLead } from "../destinations/shards";
import { runAutomations } from "./automations";
import type { DestinationMessage } from "./queue";
import { leadStub } from "../leads/lead-stub";
import { config } from "../config";

type LeadBatch = Extract<DestinationMessage, { kind: "lead-batch" }>;

/**
 * The destinations queue: automations messages (a lead batch's change items,
 * ./automations.ts) and replays. Leads hand their batches to the delivery
 * shards themselves (./hand-over.ts); a lead batch still on a queue from
 * before that is handed over here the old way: to each enabled destination's
 * shard for the lead (`accept`, which resolves once the shard owns the items),
 * then the lead hears `deliveryDone` with the batch's receipt.
 */
export async function consumeDestinations(batch: MessageBatch<DestinationMessage>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = message.body;
      try {
        if (body.kind === "replay") await replay(env, body);
        else if (body.kind === "automations") await runAutomations(env, body);
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
