import { shardOf } from "../destinations/shards";
import { config } from "../config";

/**
 * The archive of a namespace is written by ARCHIVE_SHARDS archive objects,
 * `<namespaceId>/<shard>`; a lead's rows always go to the same shard (the
 * same hash as delivery shards), so one shard holds every row of a lead —
 * which is what lets it deduplicate by messageId and erase a lead alone.
 */
export function archiveOn(env: Env): boolean {
  // Without the bucket bound (a harness that leaves it out) rows would only pile up in the shards.
  return config(env).archive.on && env.ARCHIVE !== undefined;
}

export function archiveShardCount(env: Env): number {
  return config(env).archive.shards;
}

export function archiveShardName(namespaceId: string, shard: number): string {
  return `${namespaceId}/${shard}`;
}

export function archiveShardOf(env: Env, leadId: string): number {
  return shardOf(leadId, archiveShardCount(env));
}

export function archiveShardForLead(env: Env, namespaceId: string, leadId: string) {
  return env.ARCHIVE_SHARD.getByName(archiveShardName(namespaceId, archiveShardOf(env, leadId)));
}
