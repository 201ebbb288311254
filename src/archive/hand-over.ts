import { hasDeliveryTargets } from "../db/delivery-targets";
import type { DeliveryItem } from "../destinations/types";
import { archiveOn, archiveShardName, archiveShardOf } from "./shards";

/**
 * Hands a lead batch's items to the lead's archive shard, as the
 * destinations consumer hands them to delivery shards: one RPC per batch,
 * idempotent (the shard deduplicates by messageId), so the consumer's retries
 * and the lead's resends never add a row twice.
 */
export async function archiveBatch(env: Env, namespaceId: string, leadId: string, items: DeliveryItem[]): Promise<void> {
  if (!archiveOn(env) || items.length === 0) return;
  const shard = archiveShardOf(env, leadId);
  await env.ARCHIVE_SHARD.getByName(archiveShardName(namespaceId, shard)).accept(namespaceId, shard, leadId, items);
}

/** Erasure: each erased lead's shard drops its waiting rows and rewrites its files without them. */
export async function forgetArchivedLeads(env: Env, namespaceId: string, leadIds: readonly string[]): Promise<void> {
  const byShard = new Map<number, string[]>();
  for (const leadId of leadIds) {
    const shard = archiveShardOf(env, leadId);
    byShard.set(shard, [...(byShard.get(shard) ?? []), leadId]);
  }
  await Promise.all([...byShard].map(([shard, ids]) => env.ARCHIVE_SHARD.getByName(archiveShardName(namespaceId, shard)).forgetLeads(namespaceId, shard, ids)));
}

/**
 * What a namespace's leads keep an outbox for: destinations or automations
 * (through the destinations queue, which also archives), or the archive alone
 * (handed straight to the archive shard: no queue message, no consumer).
 */
export async function outboxState(env: Env, namespaceId: string): Promise<{ deliveries: boolean; archiveOnly: boolean }> {
  const targets = await hasDeliveryTargets(env.DB, namespaceId);
  const archive = archiveOn(env);
  return { deliveries: targets || archive, archiveOnly: archive && !targets };
}
