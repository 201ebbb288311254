import type { DeliveryItem } from "../destinations/types";
import { archiveOn, archiveShardName, archiveShardOf } from "./shards";

/**
 * Hands a lead's rows (event items with their seq) to the lead's archive
 * shard: one RPC per hand-over, idempotent (the shard recognises rows it
 * holds by their seq), so the lead's resends never add a row twice.
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
