import type { z } from "zod";
import type { RateLimit } from "../limits/token-bucket";
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

/**
 * One item a bulk API refused inside an accepted call (an Elasticsearch
 * `_bulk` item, a Mailchimp member): it is settled on its own, retried when
 * `retryable`, else dead-lettered; the call's other items are delivered.
 */
export interface ItemRejection {
  messageId: string;
  retryable: boolean;
  status?: number;
  error: string;
}

export type DeliveryResult =
  | { ok: true; status: number; body: string; headers?: Record<string, string>; rejected?: ItemRejection[] }
  | { ok: false; status?: number; retryable: boolean; retryAfterMs?: number; error: string; body?: string; headers?: Record<string, string> };

export interface DeliveryContext {
  env: Env;
  timeoutMs: number;
}

/** One outside system. Each module only knows how to talk to its system. */
export interface DestinationModule<Config> {
  type: string;
  /** The outside system's name, as the console shows it. */
  title: string;
  /** The outside API's documentation for what this module calls. */
  docsUrl: string;
  config: z.ZodType<Config>;
  /** Config fields that are secrets: kept, but never shown back by the API. */
  secretFields: readonly string[];
  /** Whether this destination takes the item at all (e.g. Mixpanel takes events only). */
  accepts(item: DeliveryItem, config: Config): boolean;
  /** One item in one call (test sends, automations, and types without `batch`). */
  deliver(item: DeliveryItem, config: Config, context: DeliveryContext): Promise<DeliveryResult>;
  /** The outside API takes many items in one call: at most `maxItems`, and `maxBytes` of items' JSON. */
  batch?: {
    maxItems(config: Config): number;
    maxBytes?: number;
    deliverMany(items: DeliveryItem[], config: Config, context: DeliveryContext): Promise<DeliveryResult>;
    /**
     * A call holds items of one group only (GA4's request is about one
     * client): items are planned per group, a lane each. A lead's items must
     * share a group, so they stay in order.
     */
    groupKey?(item: DeliveryItem): string;
  };
  /** Calls one destination of this type may make per period (the outside API's published limit). */
  rate(config: Config): RateLimit;
  /** At most this many delivery shards (a slow API that takes little, like Slack, needs one). */
  maxShards?: number;
  /**
   * Items with the same key set the same state outside (a CRM record by
   * email): of several waiting, only the last goes out, and it settles them all.
   */
  coalesceKey?(item: DeliveryItem): string | null;
}
