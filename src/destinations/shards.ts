import type { RateLimit } from "../limits/token-bucket";
import type { DestinationType } from "./registry";
import { DESTINATIONS } from "./registry";
import { config } from "../config";

/** A destination as far as sharding goes. */
export interface Sharded {
  id: string;
  type: DestinationType;
}

/**
 * Deliveries of one destination are spread over DELIVERY_SHARDS delivery
 * objects (fewer for a type that caps it, e.g. Slack's one message a second),
 * `<destinationId>/<shard>`; a lead's items always go to the same shard (a
 * hash of its id), so they stay in order.
 */
export function shardCount(env: Env, type: DestinationType): number {
  const configured = config(env).delivery.shards;
  return Math.min(configured, DESTINATIONS[type].maxShards ?? configured);
}

export function shardOf(leadId: string, shards: number): number {
  // FNV-1a: cheap, stable across isolates and releases.
  let hash = 0x811c9dc5;
  for (let i = 0; i < leadId.length; i++) {
    hash ^= leadId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

export function shardName(destinationId: string, shard: number): string {
  return `${destinationId}/${shard}`;
}

export function shardForLead(env: Env, destination: Sharded, leadId: string) {
  return env.DELIVERY.getByName(shardName(destination.id, shardOf(leadId, shardCount(env, destination.type))));
}

export function allShards(env: Env, destination: Sharded) {
  return Array.from({ length: shardCount(env, destination.type) }, (_, shard) => env.DELIVERY.getByName(shardName(destination.id, shard)));
}

/**
 * A destination's rate limit as one of its shards spends it: its share, never
 * more. A share of 10 calls or more a period is rounded down (at most 10%
 * unspent); a smaller one becomes one call per longer period.
 */
export function perShardRate(rate: RateLimit, shards: number): RateLimit {
  if (rate.limit >= shards * 10) return { limit: Math.floor(rate.limit / shards), periodSeconds: rate.periodSeconds };
  return { limit: 1, periodSeconds: Math.ceil((rate.periodSeconds * shards) / rate.limit) };
}
