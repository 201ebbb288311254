import type { z } from "zod";
import type { RateLimit } from "../limits/token-bucket";
import type { DeliveryItem, LeadSnapshot } from "../contracts/delivery-item";

// The lead snapshot and the delivery item live in src/contracts/ (Worker-free, so the console can read them); re-exported for the many importers here.
export type { DeliveryItem, LeadSnapshot };

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
