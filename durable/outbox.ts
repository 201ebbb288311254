/**
 * The lead's deliveries to destinations and automations. The event log is
 * the outbox: the rows owed are those after the delivery cursor (`seq` >
 * `upto`, durable/lead-store.ts); score, stage and velocity changes ride in
 * the same batches, as one `change` item against the lead as destinations
 * last saw it (the cursor's snapshot).
 *
 * Protocol
 * - A batch (at most OUTBOX_BATCH_ROWS rows or OUTBOX_BATCH_BYTES, and the
 *   change when the lead moved) is handed over by the lead itself, one batch
 *   in flight per lead, oldest rows first (src/delivery/hand-over.ts): each
 *   enabled destination's items to its delivery shard for the lead, which
 *   answers at once (it owns them already, or will say so with
 *   `destinationTook` once its round has delivered or stored them), and the
 *   change items to the automations (a destinations queue message) when the
 *   namespace has any. Once every taker owns its part, the batch's receipt
 *   (the cursor to record) is confirmed and the next batch may leave. So
 *   deliveries keep the lead's order, and no queue message or consumer stands
 *   between an event and its destinations.
 * - The batch in flight, and who took it, is kept in memory. A hand-over
 *   that fails, or a batch not taken by all within
 *   DELIVERY_CONFIRM_TIMEOUT_SECONDS, is handed again (same id, same items)
 *   to those that did not take it, after an exponential, jittered, capped
 *   backoff: the alarm never runs hot. After an eviction the next batch
 *   starts again at the cursor; the delivery shards recognise the items they
 *   already took by messageId and answer at once.
 * - After OUTBOX_PARK_AFTER_TRIES tries the batch is parked: its range of the
 *   log and its change are kept aside (meta), the cursor moves past it, the
 *   lead's next batch goes on, and the parked batch shows in
 *   `GET /api/leads/:id/outbox` until `retryParked` sends it again.
 * - While the namespace delivers nowhere the cursor is marked off (one write
 *   when that turns): rows stored meanwhile are owed to no destination.
 */
import { backoffMs } from "../src/destinations/backoff";
import type { DeliveryItem, LeadSnapshot } from "../src/destinations/types";
import type { BatchReceipt } from "../src/delivery/queue";
import { handOverBatch } from "../src/delivery/hand-over";
import { eventItem, fitting } from "./lead-items";
import type { OwedRow } from "./lead-log";
import { JsonMetaKey, type DeliveryCursor } from "./lead-meta";
import type { LeadStore } from "./lead-store";
import { config } from "../src/config";

/** Rows per delivery batch, and the bytes a batch may take (its change items go in a queue message, which holds 128 KB). */
export const OUTBOX_BATCH_ROWS = 50;
const OUTBOX_BATCH_BYTES = 96 * 1024;
/** Tries (sends and unconfirmed resends) before a batch is parked as a dead letter. */
export const OUTBOX_PARK_AFTER_TRIES = 20;
const PARKED = new JsonMetaKey<Record<string, Parked>>("parked_batches");

/** A batch: the log's rows in (`from`, `receipt.upto`] and its change item, if any. */
interface Batch {
  id: string;
  from: number;
  upto: number;
  change: DeliveryItem | null;
  receipt: BatchReceipt;
}

/** What a hand-over or a shard's word did to the batch in flight: confirmed it, and whether more waits. */
type Confirmation = { confirmed: boolean; more: boolean };
const NOT_CONFIRMED: Confirmation = { confirmed: false, more: false };

/**
 * The batch in flight: `sentAt` 0 while a hand-over is under way or after
 * one failed; the next try is due at `nextTryAt`. `took`: who owns their
 * part (destination ids, AUTOMATIONS_TAKER); `awaited`: the shards that said
 * they will tell.
 */
interface InFlight extends Batch {
  took: Set<string>;
  awaited: Set<string>;
  sentAt: number;
  tries: number;
  nextTryAt: number;
  lastError?: string;
}

interface Parked {
  from: number;
  upto: number;
  change: DeliveryItem | null;
  tries: number;
  lastError: string | null;
  parkedAt: number;
  /** Asked to be sent again. */
  retry?: boolean;
}

export interface ParkedBatch {
  batchId: string;
  items: number;
  tries: number;
  lastError: string | null;
  parkedAt: string;
}

export interface OutboxStatus {
  /** Rows waiting to be sent or confirmed (parked ones not counted). */
  pending: number;
  inFlight: { batchId: string; tries: number; sent: boolean; nextTryAt: string | null; lastError: string | null } | null;
  parked: ParkedBatch[];
}

export class Outbox {
  private inFlight: InFlight | undefined;

  constructor(
    private readonly store: LeadStore,
    /** The lead's env, read at each use. */
    private readonly env: () => Env,
  ) {}

  /**
   * Follows whether the namespace delivers anywhere (each ingest says, before
   * its rows are stored): turning off, the rows from now on are owed to no
   * destination; turning on, delivery starts after the rows stored meanwhile.
   */
  follow(delivering: boolean): void {
    const cursor = this.store.meta.deliveryCursor();
    if (delivering === !cursor.off) return;
    this.store.meta.setDeliveryCursor({ ...cursor, upto: this.store.log.topSeq(), off: !delivering });
  }

  /** The rows destinations are owed nothing beyond (all of them while delivery is off). */
  caughtUpTo(): number {
    const cursor = this.store.meta.deliveryCursor();
    return cursor.off ? this.store.log.topSeq() : cursor.upto;
  }

  /**
   * Hands the batch in flight over when its try is due, or starts the next
   * one. Never throws: a failed hand-over is recorded with its next try.
   * `changes`: whether the lead's own changes are sent (not once it is merged
   * away). Answers whether the batch was taken by all at once (the caller
   * goes on as after a confirmation).
   */
  async flush(namespaceId: string, leadId: string, snapshot: () => LeadSnapshot, changes: boolean, now = Date.now()): Promise<Confirmation> {
    let batch = this.inFlight;
    if (batch && batch.nextTryAt > now) return NOT_CONFIRMED;
    if (batch && batch.tries >= OUTBOX_PARK_AFTER_TRIES) {
      this.park(batch, now);
      batch = undefined;
    }
    if (!batch) {
      const next = this.nextBatch(leadId, snapshot, changes);
      if (!next) return NOT_CONFIRMED;
      batch = this.inFlight = { ...next, took: new Set(), awaited: new Set(), sentAt: 0, tries: 0, nextTryAt: now };
    }
    const lead = snapshot();
    const items = [...this.store.log.owedBetween(batch.from, batch.upto).map((row) => eventItem(row, lead)), ...(batch.change ? [batch.change] : [])];
    const tries = batch.tries + 1;
    // Not taken by all before this hand-over's answers are in (a shard may tell the lead meanwhile).
    batch.sentAt = 0;
    const { owned, pending, failed } = await handOverBatch(this.env(), { batchId: batch.id, namespaceId, leadId, items }, batch.took);
    for (const taker of owned) batch.took.add(taker);
    // Awaited: the shards handed the batch this time; one awaited before and gone since (a deleted destination) is not.
    batch.awaited = new Set(pending);
    // A shard may already have said it took its part while the others were awaited.
    if (this.inFlight !== batch) return NOT_CONFIRMED;
    if (failed !== undefined) {
      console.error(`outbox batch ${batch.id} not handed over (try ${tries}); backing off`, failed);
      this.inFlight = { ...batch, tries, nextTryAt: Date.now() + this.backoff(tries), lastError: String(failed).slice(0, 300) };
      return NOT_CONFIRMED;
    }
    if (this.takenByAll(batch)) return { confirmed: true, more: this.confirm(batch.id, batch.receipt) };
    this.inFlight = { ...batch, sentAt: Date.now(), tries, nextTryAt: Date.now() + config(this.env()).delivery.confirmTimeoutMs, lastError: undefined };
    return NOT_CONFIRMED;
  }

  /**
   * A destination's shard owns its part of batch `batchId`: once every taker
   * does, the batch is confirmed. Answers whether it was (and more waits); a
   * batch no longer known here (an eviction) is handed over again from the cursor.
   */
  took(batchId: string, destinationId: string): Confirmation {
    const batch = this.inFlight;
    if (batch?.id !== batchId) return NOT_CONFIRMED;
    batch.took.add(destinationId);
    if (batch.sentAt === 0 || !this.takenByAll(batch)) return NOT_CONFIRMED;
    return { confirmed: true, more: this.confirm(batchId, batch.receipt) };
  }

  private takenByAll(batch: InFlight): boolean {
    return [...batch.awaited].every((shard) => batch.took.has(shard));
  }

  /**
   * Batch `batchId` is handed over: its receipt moves the cursor (saved
   * later, durable/lead-meta.ts). A receipt from the destinations consumer
   * (a batch queued before leads handed batches over themselves) also counts
   * when the batch is no longer known here; the cursor only moves forward.
   * Answers whether more waits.
   */
  confirm(batchId: string, receipt: BatchReceipt | undefined): boolean {
    const known = this.inFlight?.id === batchId ? this.inFlight : undefined;
    if (known) this.inFlight = undefined;
    const done = receipt ?? known?.receipt;
    if (done && "parked" in done) {
      const parked = this.parked();
      if (parked[done.parked]) {
        delete parked[done.parked];
        this.store.meta.setJson(PARKED, parked);
      }
    } else if (done) {
      const cursor = this.store.meta.deliveryCursor();
      if (!cursor.off && (done.upto > cursor.upto || done.changes > cursor.changes)) {
        this.store.meta.setDeliveryCursor({ upto: Math.max(done.upto, cursor.upto), changes: Math.max(done.changes, cursor.changes), snapshot: done.snapshot ?? cursor.snapshot }, "later");
      }
    }
    return this.hasMore();
  }

  /** Whether a batch handed over after `since` awaits its destinations' word (whose confirmation schedules a cursor save). */
  awaitsWordSince(since: number): boolean {
    return (this.inFlight?.sentAt ?? 0) > since;
  }

  /** When the alarm should next run for the outbox: the in-flight batch's next try, if any. */
  nextAlarmAt(): number | undefined {
    return this.inFlight?.nextTryAt;
  }

  /** `lead`: the lead now, for whether a change item is owed too. */
  status(lead: LeadSnapshot): OutboxStatus {
    const cursor = this.store.meta.deliveryCursor();
    const inFlight = this.inFlight;
    return {
      pending: cursor.off ? 0 : this.store.log.owedCount(cursor.upto) + (moved(cursor.snapshot, lead) ? 1 : 0),
      inFlight: inFlight
        ? { batchId: inFlight.id, tries: inFlight.tries, sent: inFlight.sentAt > 0, nextTryAt: new Date(inFlight.nextTryAt).toISOString(), lastError: inFlight.lastError ?? null }
        : null,
      parked: Object.entries(this.parked()).map(([batchId, p]) => ({
        batchId,
        items: this.store.log.owedBetween(p.from, p.upto).length + (p.change ? 1 : 0),
        tries: p.tries,
        lastError: p.lastError,
        parkedAt: new Date(p.parkedAt).toISOString(),
      })),
    };
  }

  /** Sends every parked batch again, before the next new one; answers how many items. */
  retryParked(): number {
    const parked = this.parked();
    let items = 0;
    for (const p of Object.values(parked)) {
      p.retry = true;
      items += this.store.log.owedBetween(p.from, p.upto).length + (p.change ? 1 : 0);
    }
    this.store.meta.setJson(PARKED, parked);
    return items;
  }

  /** Whether a batch waits to leave now. */
  hasMore(): boolean {
    const cursor = this.store.meta.deliveryCursor();
    if (Object.values(this.parked()).some((p) => p.retry)) return true;
    return !cursor.off && this.store.log.owedCount(cursor.upto) > 0;
  }

  private nextBatch(leadId: string, snapshot: () => LeadSnapshot, changes: boolean): Batch | undefined {
    const retry = Object.entries(this.parked()).find(([, p]) => p.retry);
    if (retry) {
      const [id, p] = retry;
      return { id, from: p.from, upto: p.upto, change: p.change, receipt: { parked: id } };
    }
    const cursor = this.store.meta.deliveryCursor();
    if (cursor.off) return undefined;
    const rows = fitting(this.store.log.owedAfter(cursor.upto, OUTBOX_BATCH_ROWS), OUTBOX_BATCH_BYTES);
    const lead = changes ? snapshot() : null;
    const change = lead && moved(cursor.snapshot, lead) ? changeItem(leadId, cursor, lead) : null;
    if (rows.length === 0 && !change) return undefined;
    const upto = rows.at(-1)?.seq ?? cursor.upto;
    return {
      id: crypto.randomUUID(),
      from: cursor.upto,
      upto,
      change,
      receipt: change ? { upto, changes: cursor.changes + 1, snapshot: lead } : { upto, changes: cursor.changes, snapshot: cursor.snapshot },
    };
  }

  private park(batch: InFlight, now: number): void {
    console.error(`outbox batch ${batch.id} parked after ${batch.tries} tries: ${batch.lastError ?? "never confirmed"}`);
    this.inFlight = undefined;
    const parked = this.parked();
    parked[batch.id] = { from: batch.from, upto: batch.upto, change: batch.change, tries: batch.tries, lastError: batch.lastError ?? null, parkedAt: parked[batch.id]?.parkedAt ?? now };
    this.store.meta.setJson(PARKED, parked);
    // The cursor moves past a new batch, so the next one goes on.
    if (!("parked" in batch.receipt)) this.confirm(batch.id, batch.receipt);
  }

  private backoff(tries: number): number {
    return backoffMs(tries - 1, config(this.env()).delivery.backoff.baseMs, config(this.env()).delivery.backoff.capMs);
  }

  private parked(): Record<string, Parked> {
    return this.store.meta.getJson(PARKED) ?? {};
  }
}

/** Whether destinations should hear of the lead: score or stage moved, or velocity passed a whole number. */
function moved(before: LeadSnapshot | null, after: LeadSnapshot): boolean {
  return !before || before.score !== after.score || before.stage !== after.stage || Math.floor(before.velocity) !== Math.floor(after.velocity);
}

/**
 * The change item against the cursor. Its id names what it moved to as well
 * as its number: after an eviction lost an unsaved cursor, the change made
 * again from the saved one is recognised by the shards when it is the one
 * they delivered, and goes out when the lead has moved on since.
 */
function changeItem(leadId: string, cursor: DeliveryCursor, after: LeadSnapshot): DeliveryItem {
  const to = `${after.stage}:${after.score}:${Math.floor(after.velocity)}`;
  return { messageId: `change:${leadId}:${cursor.changes + 1}:${to}`, kind: "change", lead: after, change: { before: cursor.snapshot, after } };
}
