/**
 * DeliveryObject: one shard of one destination's deliveries, named
 * `<destinationId>/<shard>` (src/destinations/shards.ts picks the shard from
 * the lead id, so a lead's items always meet in one shard, in order).
 *
 * Protocol
 * - `accept` stores a lead batch's items for this destination in the shard's
 *   SQLite (deduplicated by messageId: a batch sent again adds nothing) and
 *   sets the alarm DELIVERY_GATHER_MS ahead, so items from many leads go out
 *   together.
 * - The alarm drains: rounds of waiting items, oldest first, planned into
 *   calls (src/destinations/calls.ts: API-sized batches across leads, or one
 *   item per call in a lane per lead), each call taking a token from the
 *   shard's bucket (the type's rate limit divided among the shards).
 * - An answer settles its items (a bulk API's per-item refusals settle
 *   those items on their own, src/destinations/calls.ts): delivered (the log row stays, without
 *   payload), dead (non-retryable, or out of tries: DELIVERY_MAX_ATTEMPTS;
 *   kept with payload for replay), or waiting again. A retryable failure
 *   backs the whole shard off (exponential, jittered, capped, at least the
 *   server's Retry-After). A call that throws (a config the platform
 *   refuses) is a non-retryable failure: only this destination's items wait.
 * - Items of erased leads are dropped before they are sent; a deleted
 *   destination's shard empties itself.
 * Nothing here writes D1: the delivery log, counts and dead letters are read
 * from the shards (src/destinations/log.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { backoffMs } from "../src/destinations/backoff";
import { planCalls, settlementsOf, type Call } from "../src/destinations/calls";
import { callOnce, readConfig } from "../src/destinations/deliver";
import { DESTINATIONS } from "../src/destinations/registry";
import { perShardRate, shardCount } from "../src/destinations/shards";
import { shapeItem } from "../src/destinations/transform";
import type { DeliveryItem, DeliveryResult } from "../src/destinations/types";
import { getDestination, type Destination } from "../src/db/destinations";
import { takeTokens, type Bucket } from "../src/limits/token-bucket";
import { DeliveryStore, type DeliveryRow } from "./delivery-store";
import { ErasedLeads } from "./delivery-erased";

const DEFAULT_TIMEOUT_MS = 10_000;
/** How long a shard keeps its destination's config before reading D1 again. */
const CONFIG_CACHE_MS = 10_000;
/** A disabled destination's waiting items are looked at again after this long. */
const DISABLED_RECHECK_MS = 60_000;
/** Calls per alarm run (subrequests per invocation are limited), then the alarm runs again. */
const MAX_CALLS_PER_RUN = 40;
/** Calls in flight at once in one shard (one item per call types). */
const LANES_AT_ONCE = 6;
/**
 * Delivered rows stay in the log this long, and at most this many per shard:
 * ~100 MB, and at 260 items/s (1M events/min on 64 shards) about 30 minutes,
 * longer than a lead waits (15 min) before it resends an unconfirmed batch.
 */
const LOG_RETENTION_MS = 24 * 3_600_000;
const LOG_MAX_DELIVERED = 500_000;

export class DeliveryObject extends DurableObject<Env> {
  private readonly store: DeliveryStore;
  private readonly erasedLeads = new ErasedLeads();
  private destinationCache: { destination: Destination | undefined; until: number } | undefined;
  private bucket: Bucket | undefined;
  private failureStreak = 0;
  private backoffUntil = 0;
  private alarmAt: number | null | undefined;
  /** Items taken since the shard started (new ones only), for `stats`. */
  private accepted = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new DeliveryStore(ctx.storage.sql);
  }

  /**
   * Takes a lead's items for this destination (or, with `dead`, records them
   * as dead letters with that reason). `configAt` is the destination's
   * updatedAt as the sender saw it: a newer one than the shard holds makes it read the config again.
   */
  async accept(namespaceId: string, destinationId: string, leadId: string, items: DeliveryItem[], configAt = 0, dead?: string): Promise<number> {
    if (this.destinationCache && (this.destinationCache.destination?.updatedAt ?? 0) < configAt) this.destinationCache = undefined;
    const added = this.ctx.storage.transactionSync(() => {
      this.store.setMeta("namespace_id", namespaceId);
      this.store.setMeta("destination_id", destinationId);
      return this.store.add(leadId, items, Date.now(), dead);
    });
    this.accepted += added;
    if (added > 0 && !dead) await this.scheduleDrain();
    return added;
  }

  /** A test send the API made: logged beside the deliveries, never sent again. */
  async recordTest(namespaceId: string, destinationId: string, item: DeliveryItem, outcome: { ok: boolean; status: number | null; error: string | null }, attempts: number): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.store.setMeta("namespace_id", namespaceId);
      this.store.setMeta("destination_id", destinationId);
      this.store.recordTest(item, outcome, attempts, Date.now());
    });
  }

  /** SQLite rows this shard wrote since it started (tests count them per item). */
  async stats(): Promise<{ rowsWritten: number; accepted: number }> {
    return { rowsWritten: this.store.rowsWritten, accepted: this.accepted };
  }

  async counts(): Promise<Record<string, number>> {
    return this.store.counts();
  }

  async list(destinationId: string, status: DeliveryRow["status"] | undefined, limit: number): Promise<DeliveryRow[]> {
    return this.store.list(destinationId, status, limit);
  }

  async deliveriesOf(destinationId: string, leadIds: string[]): Promise<DeliveryRow[]> {
    return this.store.forLeads(destinationId, leadIds);
  }

  /** Dead letters (all, or those named) go out again after what is waiting; answers how many. */
  async replay(messageIds?: string[]): Promise<number> {
    const moved = this.ctx.storage.transactionSync(() => this.store.replay(messageIds, Date.now()));
    if (moved > 0) {
      this.failureStreak = 0;
      this.backoffUntil = 0;
      await this.setAlarm(Date.now());
    }
    return moved;
  }

  /** The leads were erased: their items and log rows go, and their tombstones are read before any later item of theirs is sent. */
  async forgetLeads(leadIds: string[]): Promise<void> {
    this.erasedLeads.forget(leadIds);
    this.store.forgetLeads(leadIds);
  }

  /** The destination was deleted: nothing is owed to it any more. */
  async clear(): Promise<void> {
    this.store.clear();
    await this.ctx.storage.deleteAlarm();
    this.alarmAt = null;
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const namespaceId = this.store.meta("namespace_id");
    const destinationId = this.store.meta("destination_id");
    if (!namespaceId || !destinationId || !this.store.hasPending()) return;
    const now = Date.now();
    if (this.backoffUntil > now) return this.setAlarm(this.backoffUntil);
    const destination = await this.destination(namespaceId, destinationId);
    if (!destination) return this.clear();
    if (!destination.enabled) return this.setAlarm(now + DISABLED_RECHECK_MS);
    const next = await this.drain(destination);
    this.store.prune(Date.now() - LOG_RETENTION_MS, LOG_MAX_DELIVERED);
    if (next !== undefined) await this.setAlarm(next);
  }

  /** Sends rounds of waiting items until none wait, a try failed, the bucket is empty or the run's calls are spent; answers when to go on. */
  private async drain(destination: Destination): Promise<number | undefined> {
    const read = readConfig(destination);
    const module = DESTINATIONS[destination.type];
    const shards = shardCount(this.env, destination.type);
    let calls = 0;
    for (;;) {
      const roundSize = module.batch && read.ok ? module.batch.maxItems(read.config) * 2 : 200;
      const waiting = this.store.pending(roundSize);
      if (waiting.length === 0) return undefined;
      const erased = await this.erasedLeads.among(this.env.DB, waiting.map((w) => w.leadId));
      const live = waiting.filter((w) => !erased.has(w.leadId));
      this.store.drop(waiting.filter((w) => erased.has(w.leadId)).map((w) => w.seq));
      if (live.length === 0) continue;
      if (!read.ok) {
        this.settle(live.map((w) => w.seq), { ok: false, retryable: false, error: read.error });
        continue;
      }
      const lanes = planCalls(module, read.config, live);
      const rate = perShardRate(module.rate(read.config), shards);
      let retryAfterMs: number | undefined;
      let failed = false;
      let outOfTokens: number | undefined;
      const runLane = async (lane: Call[]) => {
        for (const call of lane) {
          if (failed && module.batch) return;
          if (calls >= MAX_CALLS_PER_RUN) return;
          const taken = takeTokens(this.bucket, rate, Date.now(), 1);
          this.bucket = taken.bucket;
          if (!taken.decision.allowed) {
            outOfTokens = Date.now() + taken.decision.retryAfterSeconds * 1000;
            return;
          }
          calls++;
          const result = await this.call(destination, read.config, call.send);
          const settlements = settlementsOf(module, call, result);
          for (const s of settlements) this.settle(s.seqs, s.result);
          // Items a bulk API refused with a 429 or 5xx back the shard off like a failed call.
          if (settlements.some((s) => !s.result.ok && s.result.retryable)) {
            failed = true;
            if (!result.ok && result.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, result.retryAfterMs);
            return;
          }
        }
      };
      for (let i = 0; i < lanes.length; i += LANES_AT_ONCE) await Promise.all(lanes.slice(i, i + LANES_AT_ONCE).map(runLane));
      const now = Date.now();
      if (failed) {
        this.failureStreak++;
        const wait = backoffMs(this.failureStreak - 1, Number(this.env.DELIVERY_BACKOFF_BASE_MS) || 1000, Number(this.env.DELIVERY_BACKOFF_CAP_MS) || 300_000, retryAfterMs);
        this.backoffUntil = now + wait;
        return this.backoffUntil;
      }
      this.failureStreak = 0;
      if (outOfTokens !== undefined) return outOfTokens;
      if (calls >= MAX_CALLS_PER_RUN) return now;
    }
  }

  /** One call to the outside API with the destination's mapping and masking applied. */
  private async call(destination: Destination, config: unknown, items: DeliveryItem[]): Promise<DeliveryResult> {
    const module = DESTINATIONS[destination.type];
    const timeoutMs = typeof (config as { timeoutMs?: unknown }).timeoutMs === "number" ? (config as { timeoutMs: number }).timeoutMs : DEFAULT_TIMEOUT_MS;
    const shaped = items.map((item) => shapeItem(item, destination.filters));
    return callOnce(() =>
      module.batch && shaped.length > 1
        ? module.batch.deliverMany(shaped, config, { env: this.env, timeoutMs })
        : module.deliver(shaped[0]!, config, { env: this.env, timeoutMs }),
    );
  }

  private settle(seqs: number[], result: DeliveryResult): void {
    this.store.settle(
      seqs,
      {
        ok: result.ok,
        retry: !result.ok && result.retryable,
        status: result.status ?? null,
        error: result.ok ? null : result.error,
      },
      Number(this.env.DELIVERY_MAX_ATTEMPTS) || 12,
      Date.now(),
    );
  }

  private async destination(namespaceId: string, destinationId: string): Promise<Destination | undefined> {
    const now = Date.now();
    if (!this.destinationCache || this.destinationCache.until <= now) {
      this.destinationCache = { destination: await getDestination(this.env.DB, namespaceId, destinationId), until: now + CONFIG_CACHE_MS };
    }
    return this.destinationCache.destination;
  }

  private async scheduleDrain(): Promise<void> {
    const now = Date.now();
    const gather = Number(this.env.DELIVERY_GATHER_MS) || 0;
    await this.setAlarm(Math.max(this.backoffUntil, now + gather));
  }

  private async setAlarm(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}
