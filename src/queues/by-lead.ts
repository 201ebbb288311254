/**
 * One of `shards` (queues of one kind), chosen by the lead id (a hex Durable
 * Object id): the leads spread evenly, and a lead always uses the same one.
 */
export function byLead<T>(shards: readonly T[], leadId: string): T {
  return shards[parseInt(leadId.slice(-6), 16) % shards.length]!;
}
