import type { DeliveryItem } from "../destinations/types";
import { archiveOn, archiveShardName, archiveShardOf } from "./shards";

/**
 * Hands a lead's rows (event items with their seq) to the lead's archive
 * shard: one RPC per hand-over, idempotent (the shard recognises rows it
 * holds by their seq), so the lead's resends never add a row twice.
 * `continuesFrom`: when the items continue an earlier hand-over not yet
 * confirmed, that hand-over's last seq; absent when they start right after
 * the lead's archive cursor. A shard that does not hold the lead's rows up to
 * it (an eviction lost them) takes nothing, so it never confirms past a gap;
 * the lead's timeout then hands over again from the cursor.
 */
export async function archiveBatch(env: Env, namespaceId: string, leadId: string, items: DeliveryItem[], continuesFrom?: number): Promise<void> {
  if (!archiveOn(env) || items.length === 0) return;
  const shard = archiveShardOf(env, leadId);
  await env.ARCHIVE_SHARD.getByName(archiveShardName(namespaceId, shard)).accept(namespaceId, shard, leadId, items, continuesFrom);
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
