import { enabledAutomations, enabledDestinations } from "../db/delivery-targets";
import type { Destination } from "../db/destinations";
import { itemsFor } from "../destinations/deliver";
import { shardForLead } from "../destinations/shards";
import type { DeliveryItem } from "../destinations/types";
import { destinationsQueue } from "./queue";

/** A lead's outbox batch as it is handed over. */
export interface HandedBatch {
  batchId: string;
  namespaceId: string;
  leadId: string;
  items: DeliveryItem[];
}

/** Who takes a batch: destination ids, and this name for the automations (one destinations queue message). */
export const AUTOMATIONS_TAKER = "automations";

/**
 * Hands a lead's batch over from the lead itself, to each taker not in
 * `done`: the items an enabled destination takes go to its delivery shard for
 * this lead (`take` answers at once), and the batch's change items to the
 * automations when the namespace has any. Answers who owns their part already
 * and which shards will tell the lead (`destinationTook`) once their round
 * owns it; a hand-over that failed is answered as `failed` (the first error)
 * beside those that went through, so the lead tries only the rest again (a
 * part handed over twice is recognised by messageId).
 */
export async function handOverBatch(env: Env, batch: HandedBatch, done: ReadonlySet<string>): Promise<{ owned: string[]; pending: string[]; failed?: unknown }> {
  const owned: string[] = [];
  const pending: string[] = [];
  let targets: [Destination[], DeliveryItem[]];
  try {
    targets = await Promise.all([enabledDestinations(env.DB, batch.namespaceId), automationsOwed(env, batch, done)]);
  } catch (error) {
    return { owned, pending, failed: error };
  }
  const [destinations, changes] = targets;
  const handOvers = destinations
    .filter((destination) => !done.has(destination.id))
    .map(async (destination) => ((await handOverTo(env, destination, batch)) === "owned" ? owned : pending).push(destination.id));
  if (changes.length > 0) {
    const message = { kind: "automations" as const, namespaceId: batch.namespaceId, leadId: batch.leadId, items: changes };
    handOvers.push(destinationsQueue(env, batch.leadId).send(message).then(() => owned.push(AUTOMATIONS_TAKER)));
  }
  const failed = (await Promise.allSettled(handOvers)).find((r): r is PromiseRejectedResult => r.status === "rejected");
  return failed ? { owned, pending, failed: failed.reason } : { owned, pending };
}

/** The destination's items of the batch to its shard for the lead; a destination that takes none owns its part at once. */
async function handOverTo(env: Env, destination: Destination, batch: HandedBatch): Promise<"owned" | "pending"> {
  const items = itemsFor(destination, batch.items);
  if (items.length === 0) return "owned";
  return shardForLead(env, destination, batch.leadId).take(batch.namespaceId, destination.id, batch.leadId, batch.batchId, items, destination.updatedAt);
}

/** The batch's change items, when the namespace has enabled automations that have not had them yet. */
async function automationsOwed(env: Env, batch: HandedBatch, done: ReadonlySet<string>): Promise<DeliveryItem[]> {
  const changes = batch.items.filter((item) => item.kind === "change");
  if (changes.length === 0 || done.has(AUTOMATIONS_TAKER)) return [];
  return (await enabledAutomations(env.DB, batch.namespaceId)).length > 0 ? changes : [];
}
