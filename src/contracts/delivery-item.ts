// What a destination is handed: the lead as destinations see it and one item to deliver. Free of Worker types, so the
// delivery log rows (shard-rows.ts) and the console (src/dashboard/) can use them; src/destinations/types.ts re-exports them.
import type { TopFeature } from "../predict/serve";

/** The lead as destinations see it, taken when the item leaves the lead's outbox. */
export interface LeadSnapshot {
  id: string;
  score: number;
  behaviourScore: number;
  icpScore: number;
  stage: string;
  grade: string;
  velocity: number;
  userId: string | null;
  email: string | null;
  /**
   * Calibrated chance (0–1) of converting, as of the lead's last summary
   * (docs/predictive-score.md); absent while its namespace has no model in use.
   */
  conversionProbability?: number;
  /** The three features that moved it most (present with conversionProbability). */
  conversionFeatures?: TopFeature[];
}

/** One thing to deliver: an accepted event, a change of the lead's score or stage, or a test. */
export interface DeliveryItem {
  /** The idempotency key every delivery of this item carries. */
  messageId: string;
  kind: "event" | "change" | "test";
  lead: LeadSnapshot;
  /** The Segment message (kind event or test), after mapping and masking. */
  event?: Record<string, unknown>;
  change?: { before: LeadSnapshot | null; after: LeadSnapshot };
  /** An event's place in its lead's log (arrival order), by which the archive recognises rows it already holds. */
  seq?: number;
}
