import type { DeliveryItem, DeliveryResult, DestinationModule, ItemRejection } from "./types";

/** An item waiting in a delivery shard, oldest first by `seq`. */
export interface Waiting {
  seq: number;
  leadId: string;
  item: DeliveryItem;
}

/** One call to the outside API: the items it sends, and the waiting items its answer settles. */
export interface Call {
  send: DeliveryItem[];
  settles: Waiting[];
}

/**
 * Plans one round of calls for a destination, as lanes: the calls of a lane
 * run in order (it stops at the first that must be retried), lanes run side
 * by side. Order per lead holds because a lead's items are in one lane.
 * - Batch APIs: one lane of calls of up to maxItems items (and maxBytes),
 *   across leads, in order; items with the same coalesce key in one call go
 *   out once, as the last of them. With a group key (one client a request),
 *   a lane of such calls per group.
 * - One item per call: a lane per lead; with a coalesce key (one record per
 *   email), one call per key carrying its last item and settling them all.
 */
export function planCalls<Config>(module: DestinationModule<Config>, config: Config, waiting: readonly Waiting[]): Call[][] {
  if (module.batch) {
    const groupKey = module.batch.groupKey;
    if (!groupKey) {
      const calls = batchCalls(module, config, waiting);
      return calls.length > 0 ? [calls] : [];
    }
    const groups = new Map<string, Waiting[]>();
    for (const entry of waiting) {
      const key = groupKey(entry.item);
      const group = groups.get(key) ?? [];
      groups.set(key, group);
      group.push(entry);
    }
    return [...groups.values()].map((group) => batchCalls(module, config, group));
  }
  const lanes = new Map<string, Call[]>();
  const byKey = new Map<string, Call>();
  for (const entry of waiting) {
    const key = module.coalesceKey?.(entry.item) ?? null;
    const lane = lanes.get(entry.leadId) ?? [];
    lanes.set(entry.leadId, lane);
    const pending = key === null ? undefined : byKey.get(key);
    if (pending) {
      pending.send = [entry.item];
      pending.settles.push(entry);
      continue;
    }
    const call: Call = { send: [entry.item], settles: [entry] };
    if (key !== null) byKey.set(key, call);
    lane.push(call);
  }
  return [...lanes.values()].filter((lane) => lane.length > 0);
}

/** Calls of up to maxItems items (and maxBytes), in order. */
function batchCalls<Config>(module: DestinationModule<Config>, config: Config, waiting: readonly Waiting[]): Call[] {
  const maxItems = module.batch!.maxItems(config);
  const maxBytes = module.batch!.maxBytes ?? Infinity;
  const calls: Call[] = [];
  let current: Waiting[] = [];
  let bytes = 0;
  for (const entry of waiting) {
    const size = JSON.stringify(entry.item).length;
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      calls.push(callFor(module, current));
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) calls.push(callFor(module, current));
  return calls;
}

function callFor<Config>(module: DestinationModule<Config>, entries: Waiting[]): Call {
  const latest = new Map<string, DeliveryItem>();
  const send: DeliveryItem[] = [];
  for (const entry of entries) {
    const key = module.coalesceKey?.(entry.item) ?? null;
    if (key === null) send.push(entry.item);
    else latest.set(key, entry.item);
  }
  return { send: [...send, ...latest.values()], settles: entries };
}

/** The answer each settled item of a call gets. */
export interface Settlement {
  seqs: number[];
  result: DeliveryResult;
}

/**
 * Splits a call's answer by item: an item a bulk API refused (and the items
 * coalesced into it) settles with its own failure, the rest with the call's
 * answer. A call without rejections settles as one.
 */
export function settlementsOf<Config>(module: DestinationModule<Config>, call: Call, result: DeliveryResult): Settlement[] {
  if (!result.ok || !result.rejected?.length) return [{ seqs: call.settles.map((w) => w.seq), result }];
  const byMessage = new Map(result.rejected.map((r) => [r.messageId, r]));
  const byKey = new Map<string, ItemRejection>();
  for (const item of call.send) {
    const key = module.coalesceKey?.(item) ?? null;
    const rejection = byMessage.get(item.messageId);
    if (key !== null && rejection) byKey.set(key, rejection);
  }
  const delivered: number[] = [];
  const refused = new Map<ItemRejection, number[]>();
  for (const entry of call.settles) {
    const key = module.coalesceKey?.(entry.item) ?? null;
    const rejection = byMessage.get(entry.item.messageId) ?? (key === null ? undefined : byKey.get(key));
    if (rejection) refused.set(rejection, [...(refused.get(rejection) ?? []), entry.seq]);
    else delivered.push(entry.seq);
  }
  const settlements: Settlement[] = [...refused].map(([r, seqs]) => ({ seqs, result: { ok: false, retryable: r.retryable, status: r.status, error: r.error } }));
  if (delivered.length > 0) settlements.unshift({ seqs: delivered, result: { ...result, rejected: undefined } });
  return settlements;
}
