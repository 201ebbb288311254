import type { DeliveryItem, LeadSnapshot } from "../destinations/types";
import { byLead } from "../queues/by-lead";

/**
 * What the lead records once a batch is handed over: how far its log is
 * delivered, with the change items sent and the lead as they showed it; or,
 * for a parked batch sent again, that it is no longer parked.
 */
export type BatchReceipt = { upto: number; changes: number; snapshot: LeadSnapshot | null } | { parked: string };

/**
 * A lead batch's change items for the namespace's automations; a lead's
 * outbox batch from before leads handed batches to the delivery shards
 * themselves (still on a queue at the upgrade); or dead letters to replay for
 * one destination (from before replays went straight to the shards).
 */
export type DestinationMessage =
  | { kind: "automations"; namespaceId: string; leadId: string; items: DeliveryItem[] }
  | { kind: "lead-batch"; batchId: string; namespaceId: string; leadId: string; items: DeliveryItem[]; receipt?: BatchReceipt }
  | { kind: "replay"; namespaceId: string; destinationId: string; messageIds: string[] };

/**
 * The destinations queue a lead's automations messages take: one of eight,
 * chosen by the lead id, so a queue carries an eighth of them (at most one per
 * event: 2,083/s of its 5,000/s at 1,000,000 events a minute).
 */
export function destinationsQueue(env: Env, leadId: string): Queue<DestinationMessage> {
  const shards = [env.DESTINATIONS, env.DESTINATIONS_1, env.DESTINATIONS_2, env.DESTINATIONS_3, env.DESTINATIONS_4, env.DESTINATIONS_5, env.DESTINATIONS_6, env.DESTINATIONS_7];
  return byLead(shards, leadId) as Queue<DestinationMessage>;
}
