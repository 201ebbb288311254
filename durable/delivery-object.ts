/**
 * DeliveryObject: one shard of one destination's deliveries, named
 * `<destinationId>/<shard>` (src/destinations/shards.ts picks the shard from
 * the lead id, so a lead's items always meet in one shard, in order).
 *
 * Protocol (what is stored when)
 * - `accept` resolves once the shard owns the items: delivered, stored as
 *   waiting, or dead. Items it has seen are skipped first (exactly once per
 *   messageId): delivered lately (in memory, durable/delivery-sent.ts, filled
 *   again from the ring after a restart), in a round now, or with a row.
 * - Fast path: hand-overs arriving within DELIVERY_GATHER_MS of a round's
 *   first (across leads and concurrent calls) form a round
 *   (durable/delivery-round.ts): items of erased leads are dropped, the rest
 *   planned into calls (src/destinations/calls.ts: API-sized batches across
 *   leads, or one item per call in a lane per lead), each call taking a token
 *   from the shard's bucket (the type's rate limit divided among the shards),
 *   at most MAX_CALLS_PER_RUN and MAX_RUN_MS (a call short of a token waits for one up to
 *   the gather time, or the time the shard's rate takes to give the round's
 *   tokens and one more, ≤ 5 s). Delivered items write no row of their own:
 *   the round writes one row of the log's ring (durable/delivery-ring.ts).
 * - What a round could not finish is stored as rows in one transaction with
 *   the ring row: a failed try (waiting again, or dead when not retryable),
 *   items never tried (out of tokens or calls, backoff in force, destination
 *   disabled), items behind their lead's waiting rows (per-lead order), and
 *   dead rows when the config cannot be read.
 * - Slow path: the alarm drains the rows, oldest first, as rounds planned the
 *   same way. A delivered row is deleted and logged in the ring; a failed one
 *   waits again or is dead (non-retryable, or out of tries:
 *   DELIVERY_MAX_ATTEMPTS; kept with payload for replay). A bulk API's
 *   per-item refusals settle those items on their own. A retryable failure
 *   (either path) backs the whole shard off (exponential, jittered, capped,
 *   at least the server's Retry-After). A call that throws (a config the
 *   platform refuses) is a non-retryable failure: only this destination's
 *   items wait.
 * - Items of erased leads are dropped before they are sent; a deleted
 *   destination's shard empties itself. Test sends are rows of the log.
 * Nothing here writes D1: the delivery log (ring + rows), counts and dead
 * letters are read from the shards (src/destinations/log.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { backoffMs } from "../src/destinations/backoff";
import { planCalls, settlementsOf, type Call, type Waiting } from "../src/destinations/calls";
import { callOnce, readConfig } from "../src/destinations/deliver";
import { DESTINATIONS } from "../src/destinations/registry";
import { perShardRate, shardCount } from "../src/destinations/shards";
import { shapeItem } from "../src/destinations/transform";
import type { DeliveryItem, DeliveryResult } from "../src/destinations/types";
import { getDestination, type Destination } from "../src/db/destinations";
import { takeTokens, type Bucket, type RateLimit } from "../src/limits/token-bucket";
import { DeliveryStore, type DeliveryRow } from "./delivery-store";
import { DeliveryRing, ringRow, type RingEntry } from "./delivery-ring";
import { RoundGatherer, deliveredEntry, outcomesOf, waitingOf, type Handed } from "./delivery-round";
import { SentIds } from "./delivery-sent";
import { ErasedLeads } from "./delivery-erased";
import { SoonestAlarm } from "./alarm";
import { config } from "../src/config";
import { tellLeadTook } from "../src/delivery/took";

const DEFAULT_TIMEOUT_MS = 10_000;
/** The longest a round waits for a token before it stores what is left, and how often it looks. */
const MAX_TOKEN_WAIT_MS = 5_000;
const TOKEN_POLL_MS = 100;
/** How long a shard keeps its destination's config before reading D1 again. */
const CONFIG_CACHE_MS = 10_000;
/** A disabled destination's waiting items are looked at again after this long. */
const DISABLED_RECHECK_MS = 60_000;
/**
 * Calls per round or alarm run, then the alarm goes on (an invocation may make
 * 10,000 subrequests on Workers Paid; a round of a server batch's items, one
 * call each, fits), and no call starts later than MAX_RUN_MS into a run: a
 * receiver that answers slowly holds its leads' next batches up by at most
 * that and one call's timeout.
 */
const MAX_CALLS_PER_RUN = 500;
const MAX_RUN_MS = 30_000;
/** Calls in flight at once in one shard (one item per call types). */
const LANES_AT_ONCE = 6;
/** Delivered rows from before the ring, and test sends, stay in the log this long, and at most this many per shard. */
const LOG_RETENTION_MS = 24 * 3_600_000;
const LOG_MAX_DELIVERED = 500_000;

/** How a run of calls ended: a retryable failure (backs off), out of tokens (until when), calls spent. */
interface Sent {
  failed: boolean;
  retryAfterMs: number | undefined;
  outOfTokens: number | undefined;
  callsSpent: boolean;
}

export class DeliveryObject extends DurableObject<Env> {
  private readonly store: DeliveryStore;
  private readonly ring: DeliveryRing;
  private readonly erasedLeads = new ErasedLeads();
  private readonly sent = new SentIds();
  /** Items in a round now, by messageId: a second hand-over of one waits for that round. */
  private readonly inRound = new Map<string, Promise<void>>();
  private readonly rounds = new RoundGatherer((handed) => this.runRound(handed));
  /** Leads erased while a round or drain was sending, one set per send: what it logs of them afterwards is left out. */
  private readonly erasedWhileSending = new Set<Set<string>>();
  private destinationCache: { destination: Destination | undefined; until: number } | undefined;
  private bucket: Bucket | undefined;
  private failureStreak = 0;
  private backoffUntil = 0;
  private readonly alarmClock = new SoonestAlarm(this.ctx.storage);
  /** Items taken since the shard started (new ones only), for `stats`. */
  private accepted = 0;
  private roundsRun = 0;
  private keptRows = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new DeliveryStore(ctx.storage.sql);
    this.ring = new DeliveryRing(this.store.run, ctx.storage.sql);
    // Oldest first into the set, so its own eviction keeps the newest.
    const now = Date.now();
    const recent = [...this.ring.newest(now, SentIds.MAX_IDS, now - SentIds.MAX_AGE_MS)].reverse();
    for (const entry of recent) this.sent.add(entry.messageId, entry.updatedAt);
  }

  /**
   * Takes a lead's items for this destination (or, with `dead`, records them
   * as dead letters with that reason), resolving once the shard owns them;
   * answers how many were new. `configAt` is the destination's updatedAt as
   * the sender saw it: a newer one than the shard holds makes it read the config again.
   */
  async accept(namespaceId: string, destinationId: string, leadId: string, items: DeliveryItem[], configAt = 0, dead?: string): Promise<number> {
    const { fresh, owned } = this.hold(namespaceId, destinationId, leadId, items, configAt, dead);
    await owned;
    return fresh;
  }

  /**
   * A lead's outbox batch for this destination, without waiting for its
   * round: answers "owned" when the shard already owns every item (delivered
   * lately, or stored), else "pending", and tells the lead
   * `destinationTook(batchId, destinationId)` once its round owns them. A
   * round that fails tells it nothing: the lead hands the batch over again
   * after its timeout, and the shard recognises what it took by messageId.
   */
  async take(namespaceId: string, destinationId: string, leadId: string, batchId: string, items: DeliveryItem[], configAt = 0): Promise<"owned" | "pending"> {
    const { owned } = this.hold(namespaceId, destinationId, leadId, items, configAt);
    if (!owned) return "owned";
    this.ctx.waitUntil(owned.then(() => tellLeadTook(this.env, leadId, batchId, destinationId), (error) => console.error(`delivery shard ${destinationId}: a round failed; lead ${leadId} hands batch ${batchId} over again`, error)));
    return "pending";
  }

  /** Puts the items not seen before into a round (or dead rows); `owned`: when the shard owns them all, undefined when it already does. */
  private hold(namespaceId: string, destinationId: string, leadId: string, items: DeliveryItem[], configAt: number, dead?: string): { fresh: number; owned: Promise<unknown> | undefined } {
    if (this.destinationCache && (this.destinationCache.destination?.updatedAt ?? 0) < configAt) this.destinationCache = undefined;
    this.store.setMeta("namespace_id", namespaceId);
    this.store.setMeta("destination_id", destinationId);
    const { fresh, elsewhere } = this.unseen(items);
    this.accepted += fresh.length;
    if (dead) {
      this.store.keep(fresh.map((item) => ({ leadId, item, status: "dead", attempts: 0, lastStatus: null, lastError: dead })), Date.now());
    } else if (fresh.length > 0) {
      const done = this.rounds.join({ leadId, items: fresh }, config(this.env).delivery.gatherMs);
      for (const item of fresh) this.inRound.set(item.messageId, done);
      const forget = () => {
        for (const item of fresh) if (this.inRound.get(item.messageId) === done) this.inRound.delete(item.messageId);
      };
      done.then(forget, forget);
      elsewhere.push(done);
    }
    return { fresh: fresh.length, owned: elsewhere.length > 0 ? Promise.all(elsewhere) : undefined };
  }

  /** The items not seen before (each once), and the rounds now holding those seen in one. */
  private unseen(items: readonly DeliveryItem[]): { fresh: DeliveryItem[]; elsewhere: Promise<void>[] } {
    const now = Date.now();
    const rows = this.store.known(items.map((i) => i.messageId));
    const fresh: DeliveryItem[] = [];
    const elsewhere = new Set<Promise<void>>();
    const taken = new Set<string>();
    for (const item of items) {
      const round = this.inRound.get(item.messageId);
      if (round) elsewhere.add(round);
      else if (!taken.has(item.messageId) && !rows.has(item.messageId) && !this.sent.has(item.messageId, now)) fresh.push(item);
      taken.add(item.messageId);
    }
    return { fresh, elsewhere: [...elsewhere] };
  }

  /** SQLite rows this shard wrote since it started, and the items it took (tests count rows per item). */
  async stats(): Promise<{ rowsWritten: number; accepted: number; rounds: number; kept: number }> {
    return { rowsWritten: this.store.rowsWritten, accepted: this.accepted, rounds: this.roundsRun, kept: this.keptRows };
  }

  /** One gathered round (the fast path): sends what it can, stores the rest; see the protocol above. */
  private async runRound(handed: Handed[]): Promise<void> {
    const namespaceId = this.store.meta("namespace_id");
    const destinationId = this.store.meta("destination_id");
    if (!namespaceId || !destinationId) return;
    const destination = await this.destination(namespaceId, destinationId);
    if (!destination) return this.clear();
    const all = waitingOf(handed);
    const erasedMeanwhile = this.watchErasures();
    try {
      await this.sendRound(destination, all, erasedMeanwhile);
    } finally {
      this.erasedWhileSending.delete(erasedMeanwhile);
    }
  }

  private async sendRound(destination: Destination, all: Waiting[], erasedMeanwhile: Set<string>): Promise<void> {
    const erased = await this.erasedLeads.among(this.env.DB, all.map((w) => w.leadId));
    const behind = this.store.waitingLeads(all.map((w) => w.leadId));
    const live = all.filter((w) => !erased.has(w.leadId));
    const now = Date.now();
    const read = readConfig(destination);
    const results = new Map<number, DeliveryResult>();
    let retryAt: number | undefined;
    if (!destination.enabled) retryAt = now + DISABLED_RECHECK_MS;
    else if (this.backoffUntil > now) retryAt = this.backoffUntil;
    else if (!read.ok) for (const w of live) results.set(w.seq, { ok: false, retryable: false, error: read.error });
    else {
      const sendable = live.filter((w) => !behind.has(w.leadId));
      const outcome = await this.send(
        destination,
        read.config,
        sendable,
        { calls: 0 },
        (seqs, result) => {
          for (const seq of seqs) results.set(seq, result);
        },
        config(this.env).delivery.gatherMs,
      );
      retryAt = this.afterSending(outcome);
    }
    const { delivered, kept } = outcomesOf(
      live.filter((w) => !erasedMeanwhile.has(w.leadId)),
      results,
      this.maxAttempts(),
      Date.now(),
    );
    this.ctx.storage.transactionSync(() => {
      this.store.keep(kept, Date.now());
      if (delivered.length > 0) this.ring.record(delivered, Date.now());
    });
    for (const entry of delivered) this.sent.add(entry.messageId, entry.updatedAt);
    this.roundsRun++;
    this.keptRows += kept.length;
    if (kept.some((k) => k.status === "pending")) await this.alarmClock.setNoLaterThan(Math.max(retryAt ?? 0, this.backoffUntil, Date.now()));
  }

  private watchErasures(): Set<string> {
    const erased = new Set<string>();
    this.erasedWhileSending.add(erased);
    return erased;
  }

  /** The shard's backoff after a run of calls; answers when waiting items can go on (undefined: at once). */
  private afterSending(sent: Sent): number | undefined {
    const now = Date.now();
    if (sent.failed) {
      this.failureStreak++;
      const wait = backoffMs(this.failureStreak - 1, config(this.env).delivery.backoff.baseMs, config(this.env).delivery.backoff.capMs, sent.retryAfterMs);
      this.backoffUntil = now + wait;
      return this.backoffUntil;
    }
    this.failureStreak = 0;
    if (sent.outOfTokens !== undefined) return sent.outOfTokens;
    if (sent.callsSpent) return now;
    return undefined;
  }

  /** A test send the API made: logged beside the deliveries, never sent again. */
  async recordTest(namespaceId: string, destinationId: string, item: DeliveryItem, outcome: { ok: boolean; status: number | null; error: string | null }, attempts: number): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.store.setMeta("namespace_id", namespaceId);
      this.store.setMeta("destination_id", destinationId);
      this.store.recordTest(item, outcome, attempts, Date.now());
    });
  }

  /** Items by status: rows, the ring's delivered items, and `sending`: those in a round now (in memory, gathering or waiting for tokens). */
  async counts(): Promise<Record<string, number>> {
    const counts = this.store.counts();
    const delivered = this.ring.count(Date.now());
    if (delivered > 0) counts.delivered = (counts.delivered ?? 0) + delivered;
    if (this.inRound.size > 0) counts.sending = this.inRound.size;
    return counts;
  }

  /** The log, newest first: rows and, unless another status is asked for, the ring. */
  async list(destinationId: string, status: DeliveryRow["status"] | undefined, limit: number): Promise<DeliveryRow[]> {
    const rows = this.store.list(destinationId, status, limit);
    if (status !== undefined && status !== "delivered") return rows;
    const ring = [...this.ring.newest(Date.now(), limit)].map((e) => ringRow(destinationId, e));
    // Stable: among equal times the ring's newer entries stay first, as rows' higher seqs do.
    return [...ring, ...rows].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, limit);
  }

  /** These leads' log, each lead's delivered items (the ring) before its rows. */
  async deliveriesOf(destinationId: string, leadIds: string[]): Promise<DeliveryRow[]> {
    const now = Date.now();
    return leadIds.flatMap((leadId) => [...this.ring.ofLead(leadId, now).map((e) => ringRow(destinationId, e)), ...this.store.forLeads(destinationId, [leadId])]);
  }

  /** Dead letters (all, or those named) go out again after what is waiting; answers how many. */
  async replay(messageIds?: string[]): Promise<number> {
    const moved = this.ctx.storage.transactionSync(() => this.store.replay(messageIds, Date.now()));
    if (moved > 0) {
      this.failureStreak = 0;
      this.backoffUntil = 0;
      await this.alarmClock.setNoLaterThan(Date.now());
    }
    return moved;
  }

  /** The leads were erased: their items and log entries go, and their tombstones are read before any later item of theirs is sent. */
  async forgetLeads(leadIds: string[]): Promise<void> {
    this.erasedLeads.forget(leadIds);
    for (const erased of this.erasedWhileSending) for (const id of leadIds) erased.add(id);
    this.ctx.storage.transactionSync(() => {
      this.store.forgetLeads(leadIds);
      this.ring.forget(leadIds);
    });
  }

  /** The destination was deleted: nothing is owed to it any more. */
  async clear(): Promise<void> {
    this.store.clear();
    this.ring.clear();
    this.sent.clear();
    await this.alarmClock.delete();
  }

  override async alarm(): Promise<void> {
    this.alarmClock.started();
    const namespaceId = this.store.meta("namespace_id");
    const destinationId = this.store.meta("destination_id");
    if (!namespaceId || !destinationId || !this.store.hasPending()) return;
    const now = Date.now();
    if (this.backoffUntil > now) return this.alarmClock.setNoLaterThan(this.backoffUntil);
    const destination = await this.destination(namespaceId, destinationId);
    if (!destination) return this.clear();
    if (!destination.enabled) return this.alarmClock.setNoLaterThan(now + DISABLED_RECHECK_MS);
    const next = await this.drain(destination);
    this.store.prune(Date.now() - LOG_RETENTION_MS, LOG_MAX_DELIVERED);
    if (next !== undefined) await this.alarmClock.setNoLaterThan(next);
  }

  /** Sends rounds of waiting rows until none wait, a try failed, the bucket is empty or the run's calls are spent; answers when to go on. */
  private async drain(destination: Destination): Promise<number | undefined> {
    const read = readConfig(destination);
    const module = DESTINATIONS[destination.type];
    const budget = { calls: 0 };
    for (;;) {
      const roundSize = module.batch && read.ok ? module.batch.maxItems(read.config) * 2 : 200;
      const waiting = this.store.pending(roundSize);
      if (waiting.length === 0) return undefined;
      const erased = await this.erasedLeads.among(this.env.DB, waiting.map((w) => w.leadId));
      const live = waiting.filter((w) => !erased.has(w.leadId));
      this.store.drop(waiting.filter((w) => erased.has(w.leadId)).map((w) => w.seq));
      if (live.length === 0) continue;
      if (!read.ok) {
        this.store.fail(live.map((w) => w.seq), { retry: false, status: null, error: read.error }, this.maxAttempts(), Date.now());
        continue;
      }
      const bySeq = new Map(live.map((w) => [w.seq, w]));
      const delivered: RingEntry[] = [];
      const deliveredSeqs: number[] = [];
      const erasedMeanwhile = this.watchErasures();
      let sent: Sent;
      try {
        sent = await this.send(destination, read.config, live, budget, (seqs, result) => {
          if (!result.ok) return this.store.fail(seqs, { retry: result.retryable, status: result.status ?? null, error: result.error }, this.maxAttempts(), Date.now());
          for (const seq of seqs) {
            const w = bySeq.get(seq)!;
            deliveredSeqs.push(seq);
            delivered.push(deliveredEntry(w.leadId, w.item, w.attempts + 1, result.status, Date.now()));
          }
        });
      } finally {
        this.erasedWhileSending.delete(erasedMeanwhile);
      }
      if (delivered.length > 0) {
        this.ctx.storage.transactionSync(() => {
          this.store.drop(deliveredSeqs);
          this.ring.record(
            delivered.filter((e) => !erasedMeanwhile.has(e.leadId)),
            Date.now(),
          );
        });
        for (const entry of delivered) this.sent.add(entry.messageId, entry.updatedAt);
      }
      const next = this.afterSending(sent);
      if (next !== undefined) return next;
    }
  }

  /**
   * Plans the items into calls and sends them, lanes side by side, each call
   * taking a token, at most MAX_CALLS_PER_RUN in `budget`; every answer is
   * settled per item through `settle` (a bulk API's refusals on their own).
   */
  private async send(
    destination: Destination,
    config: unknown,
    waiting: readonly Waiting[],
    budget: { calls: number },
    settle: (seqs: number[], result: DeliveryResult) => void,
    tokenWaitMs = 0,
  ): Promise<Sent> {
    const module = DESTINATIONS[destination.type];
    const lanes = planCalls(module, config, waiting);
    const rate = perShardRate(module.rate(config), shardCount(this.env, destination.type));
    // A round waits for its calls' tokens as long as the shard's share of the rate takes to give them, and
    // one more (Mixpanel's 50 calls/s over 64 shards: one per 2 s), up to MAX_TOKEN_WAIT_MS: a burst over
    // the rate waits in memory, holding its leads' next batches back a little, rather than being stored.
    const calls = lanes.reduce((n, lane) => n + lane.length, 0);
    const perToken = (1000 * rate.periodSeconds) / rate.limit;
    const waitUntil = Date.now() + (tokenWaitMs > 0 ? Math.min(MAX_TOKEN_WAIT_MS, Math.max(tokenWaitMs, (calls + 1) * perToken)) : 0);
    const sent: Sent = { failed: false, retryAfterMs: undefined, outOfTokens: undefined, callsSpent: false };
    const stopAt = Date.now() + MAX_RUN_MS;
    const runLane = async (lane: Call[]) => {
      for (const call of lane) {
        if (sent.failed && module.batch) return;
        if (budget.calls >= MAX_CALLS_PER_RUN || Date.now() > stopAt) {
          sent.callsSpent = true;
          return;
        }
        if (!(await this.token(rate, waitUntil))) {
          sent.outOfTokens = Date.now() + 1000 * takeTokens(this.bucket, rate, Date.now(), 0).decision.retryAfterSeconds;
          return;
        }
        budget.calls++;
        const result = await this.call(destination, config, call.send);
        const settlements = settlementsOf(module, call, result);
        for (const s of settlements) settle(s.seqs, s.result);
        // Items a bulk API refused with a 429 or 5xx back the shard off like a failed call.
        if (settlements.some((s) => !s.result.ok && s.result.retryable)) {
          sent.failed = true;
          if (!result.ok && result.retryAfterMs !== undefined) sent.retryAfterMs = Math.max(sent.retryAfterMs ?? 0, result.retryAfterMs);
          return;
        }
      }
    };
    for (let i = 0; i < lanes.length; i += LANES_AT_ONCE) await Promise.all(lanes.slice(i, i + LANES_AT_ONCE).map(runLane));
    return sent;
  }

  /**
   * Takes a token from the shard's bucket, waiting for one until `waitUntil`
   * at most: a round's burst a little over the bucket waits in memory rather
   * than being stored (a stored item costs ~5 rows written, its insert and delete with their indexes).
   */
  private async token(rate: RateLimit, waitUntil: number): Promise<boolean> {
    for (;;) {
      const taken = takeTokens(this.bucket, rate, Date.now(), 1);
      this.bucket = taken.bucket;
      if (taken.decision.allowed) return true;
      // Looked at again in short steps: a token due just before `waitUntil` is not missed by a whole period.
      const left = waitUntil - Date.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(left, TOKEN_POLL_MS, (rate.periodSeconds * 1000) / rate.limit)));
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

  private maxAttempts(): number {
    return config(this.env).delivery.maxAttempts;
  }

  private async destination(namespaceId: string, destinationId: string): Promise<Destination | undefined> {
    const now = Date.now();
    if (!this.destinationCache || this.destinationCache.until <= now) {
      this.destinationCache = { destination: await getDestination(this.env.DB, namespaceId, destinationId), until: now + CONFIG_CACHE_MS };
    }
    return this.destinationCache.destination;
  }
}
