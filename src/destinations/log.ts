import { listDestinations } from "../db/destinations";
import type { DeliveryRow } from "../contracts/shard-rows";
import { allShards, shardCount, shardName, shardOf, type Sharded } from "./shards";

/**
 * The delivery log, counts and dead letters of a destination, read from its
 * delivery shards (the management API's fan-out: one call per shard, never
 * on the per-event path).
 */
export async function deliveryCounts(env: Env, destination: Sharded): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const shard of await Promise.all(allShards(env, destination).map((s) => s.counts()))) {
    for (const [status, n] of Object.entries(shard)) counts[status] = (counts[status] ?? 0) + n;
  }
  return counts;
}

/** The newest `limit` log rows of the destination across its shards. */
export async function listDeliveries(env: Env, destination: Sharded, status: DeliveryRow["status"] | undefined, limit: number): Promise<DeliveryRow[]> {
  const pages = await Promise.all(allShards(env, destination).map((s) => s.list(destination.id, status, limit)));
  return pages
    .flat()
    .sort((a, b) => b.updatedAt - a.updatedAt)
    .slice(0, limit);
}

/** Every dead letter of the destination goes out again; answers how many. */
export async function replayDeadLetters(env: Env, destination: Sharded): Promise<number> {
  const moved = await Promise.all(allShards(env, destination).map((s) => s.replay()));
  return moved.reduce((sum, n) => sum + n, 0);
}

/** A deleted destination's shards drop what they held. */
export async function clearDeliveries(env: Env, destination: Sharded): Promise<void> {
  await Promise.all(allShards(env, destination).map((s) => s.clear()));
}

/** The shard of each destination holding each of these leads, with the leads it holds. */
async function leadShards(env: Env, namespaceId: string, leadIds: readonly string[]) {
  const destinations = await listDestinations(env.DB, namespaceId);
  return destinations.flatMap((destination) => {
    const shards = shardCount(env, destination.type);
    const byShard = new Map<number, string[]>();
    for (const leadId of leadIds) {
      const shard = shardOf(leadId, shards);
      byShard.set(shard, [...(byShard.get(shard) ?? []), leadId]);
    }
    return [...byShard].map(([shard, ids]) => ({ destinationId: destination.id, stub: env.DELIVERY.getByName(shardName(destination.id, shard)), leadIds: ids }));
  });
}

/** Every delivery log row of these leads, in every destination of the namespace (an export). */
export async function deliveriesOfLeads(env: Env, namespaceId: string, leadIds: readonly string[]): Promise<DeliveryRow[]> {
  const targets = await leadShards(env, namespaceId, leadIds);
  return (await Promise.all(targets.map((t) => t.stub.deliveriesOf(t.destinationId, t.leadIds)))).flat();
}

/** Removes these leads' items, waiting or logged, from every destination of the namespace (an erasure). */
export async function forgetLeadDeliveries(env: Env, namespaceId: string, leadIds: readonly string[]): Promise<void> {
  const targets = await leadShards(env, namespaceId, leadIds);
  await Promise.all(targets.map((t) => t.stub.forgetLeads(t.leadIds)));
}
