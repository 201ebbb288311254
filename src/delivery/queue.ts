import type { DeliveryItem, LeadSnapshot } from "../destinations/types";
import { byLead } from "../queues/by-lead";

/**
 * What the lead records once a batch is handed over: how far its log is
 * delivered, with the change items sent and the lead as they showed it; or,
 * for a parked batch sent again, that it is no longer parked.
 */
export type BatchReceipt = { upto: number; changes: number; snapshot: LeadSnapshot | null } | { parked: string };

/** A lead's outbox batch, or dead letters to replay for one destination (a message from before replays went straight to the shards). */
export type DestinationMessage =
  | { kind: "lead-batch"; batchId: string; namespaceId: string; leadId: string; items: DeliveryItem[]; receipt?: BatchReceipt }
  | { kind: "replay"; namespaceId: string; destinationId: string; messageIds: string[] };

/**
 * The destinations queue a lead's outbox sends to: one of eight, chosen by the
 * lead id, so a queue carries an eighth of the lead batches (at most one per
 * event: 2,083/s of its 5,000/s at 1,000,000 events a minute) and a lead's
 * batches, one in flight at a time, always take the same queue.
 */
export function destinationsQueue(env: Env, leadId: string): Queue<DestinationMessage> {
  const shards = [env.DESTINATIONS, env.DESTINATIONS_1, env.DESTINATIONS_2, env.DESTINATIONS_3, env.DESTINATIONS_4, env.DESTINATIONS_5, env.DESTINATIONS_6, env.DESTINATIONS_7];
  return byLead(shards, leadId) as Queue<DestinationMessage>;
}
