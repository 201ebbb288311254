/**
 * The lead's outbox: what it owes destinations and automations, written in
 * the same transaction as the events and changes it comes from.
 *
 * Protocol
 * - Rows are sent in batches (at most OUTBOX_BATCH_ROWS rows, OUTBOX_BATCH_BYTES)
 *   to the lead's destinations queue (one of eight, by lead id), one batch in
 *   flight per lead, oldest rows first.
 *   A batch's rows carry its id until the consumer confirms it
 *   (`confirm`, the lead's `deliveryDone`); then they are deleted and the next
 *   batch may leave. So deliveries keep the lead's order.
 * - A send that fails, or a sent batch not confirmed within
 *   DELIVERY_CONFIRM_TIMEOUT_MS, is tried again after an exponential, jittered,
 *   capped backoff (DELIVERY_BACKOFF_BASE_MS / _CAP_MS): the alarm never runs hot.
 * - With no destination or automation but the archive on (`archiveOnly`),
 *   the lead hands the batch to its archive shard itself and confirms it at
 *   once: no queue message, no consumer (src/archive/hand-over.ts).
 * - After OUTBOX_PARK_AFTER_TRIES tries the batch is parked: its rows are set
 *   aside (batch id `parked:<id>`), the lead's next batch goes on, and the
 *   parked batch shows in `GET /api/leads/:id/outbox` until `retryParked`
 *   puts its rows back at the head of the outbox.
 */
import { backoffMs } from "../src/destinations/backoff";
import type { DeliveryItem, LeadSnapshot } from "../src/destinations/types";
import { parseStored } from "../src/ingest/nesting";
import { destinationsQueue, type DestinationMessage } from "../src/queues/destinations";
import { archiveBatch } from "../src/archive/hand-over";
import type { LeadStore, OutboxRow } from "./lead-store";

/** Outbox rows per delivery batch, and the bytes a batch may take (a queue message holds 128 KB). */
export const OUTBOX_BATCH_ROWS = 50;
const OUTBOX_BATCH_BYTES = 96 * 1024;
/** A batch not confirmed by the destinations consumer within this time is sent again. */
const DELIVERY_CONFIRM_TIMEOUT_MS = 15 * 60_000;
/** Tries (sends and unconfirmed resends) before a batch is parked as a dead letter. */
export const OUTBOX_PARK_AFTER_TRIES = 20;
const PARKED_PREFIX = "parked:";

/** The batch in flight: `sentAt` 0 until a send succeeded; the next try is due at `nextTryAt`. */
interface InFlight {
  id: string;
  sentAt: number;
  tries: number;
  nextTryAt: number;
  lastError?: string;
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

type ParkedMeta = Record<string, { tries: number; lastError: string | null; parkedAt: number }>;

export class Outbox {
  constructor(
    private readonly store: LeadStore,
    /** The lead's env, read at each use. */
    private readonly env: () => Env,
    private readonly transact: <T>(work: () => T) => T,
  ) {}

  add(messageId: string, kind: "event" | "change", payload: string): void {
    this.store.addToOutbox(messageId, kind, payload);
  }

  /**
   * Sends the batch in flight when its try is due, or starts the next one.
   * Never throws: a failed send is recorded with its next try. Answers
   * whether rows wait for another batch now (after an archive-only hand-over).
   */
  async flush(namespaceId: string, snapshot: () => LeadSnapshot, now = Date.now(), archiveOnly = false): Promise<boolean> {
    let inFlight = this.inFlight();
    if (inFlight && inFlight.nextTryAt > now) return false;
    if (inFlight && inFlight.tries >= OUTBOX_PARK_AFTER_TRIES) {
      this.park(inFlight, now);
      inFlight = undefined;
    }
    let rows = inFlight ? this.store.outboxRows(inFlight.id, 0) : [];
    if (!inFlight || rows.length === 0) {
      rows = this.nextRows();
      if (rows.length === 0) {
        if (inFlight) this.store.setMeta("delivery_batch", "");
        return false;
      }
      const id = crypto.randomUUID();
      inFlight = { id, sentAt: 0, tries: 0, nextTryAt: now };
      // Recorded before the send with its rows, so a failed send is tried again with the same rows.
      const batch = inFlight;
      this.transact(() => {
        this.store.assignBatch(rows.at(-1)!.seq, id);
        this.save(batch);
      });
    }
    const lead = snapshot();
    const items: DeliveryItem[] = rows.map((row) =>
      row.kind === "event"
        ? { messageId: row.message_id, kind: "event", lead, event: parseStored(row.payload) as Record<string, unknown> }
        : { messageId: row.message_id, kind: "change", lead, change: JSON.parse(row.payload) as DeliveryItem["change"] },
    );
    const message: DestinationMessage = { kind: "lead-batch", batchId: inFlight.id, namespaceId, leadId: lead.id, items };
    const tries = inFlight.tries + 1;
    try {
      if (archiveOnly) {
        await archiveBatch(this.env(), namespaceId, lead.id, items);
        return this.confirm(inFlight.id);
      }
      await destinationsQueue(this.env(), lead.id).send(message);
      // The consumer may already have confirmed the batch while the send was awaited.
      if (this.inFlight()?.id === inFlight.id) this.save({ id: inFlight.id, sentAt: Date.now(), tries, nextTryAt: Date.now() + DELIVERY_CONFIRM_TIMEOUT_MS });
    } catch (error) {
      console.error(`outbox batch ${inFlight.id} not sent (try ${tries}); backing off`, error);
      if (this.inFlight()?.id !== inFlight.id) return false;
      this.save({ ...inFlight, tries, nextTryAt: Date.now() + this.backoff(tries), lastError: String(error).slice(0, 300) });
    }
    return false;
  }

  /** The consumer is done with batch `batchId`: its rows go. Answers whether more rows wait. */
  confirm(batchId: string): boolean {
    if (this.inFlight()?.id !== batchId) return false;
    this.transact(() => {
      this.store.deleteBatch(batchId);
      this.store.setMeta("delivery_batch", "");
    });
    return this.store.hasUnbatchedOutbox();
  }

  /** When the alarm should next run for the outbox: the in-flight batch's next try, if any. */
  nextAlarmAt(): number | undefined {
    return this.inFlight()?.nextTryAt;
  }

  status(): OutboxStatus {
    const inFlight = this.inFlight();
    const parkedMeta = this.parkedMeta();
    const counts = this.store.outboxBatchCounts();
    let pending = 0;
    const parked: ParkedBatch[] = [];
    for (const { batch_id: batchId, n } of counts) {
      if (batchId?.startsWith(PARKED_PREFIX)) {
        const id = batchId.slice(PARKED_PREFIX.length);
        const info = parkedMeta[id];
        parked.push({ batchId: id, items: n, tries: info?.tries ?? 0, lastError: info?.lastError ?? null, parkedAt: new Date(info?.parkedAt ?? 0).toISOString() });
      } else pending += n;
    }
    return {
      pending,
      inFlight: inFlight
        ? {
            batchId: inFlight.id,
            tries: inFlight.tries,
            sent: inFlight.sentAt > 0,
            nextTryAt: new Date(inFlight.nextTryAt).toISOString(),
            lastError: inFlight.lastError ?? null,
          }
        : null,
      parked,
    };
  }

  /** Puts every parked batch's rows back at the head of the outbox; answers how many rows. */
  retryParked(): number {
    return this.transact(() => {
      const moved = this.store.unparkOutbox(PARKED_PREFIX);
      this.store.setMeta("parked_batches", "{}");
      return moved;
    });
  }

  private park(batch: InFlight, now: number): void {
    console.error(`outbox batch ${batch.id} parked after ${batch.tries} tries: ${batch.lastError ?? "never confirmed"}`);
    this.transact(() => {
      this.store.renameBatch(batch.id, PARKED_PREFIX + batch.id);
      this.store.setMeta("parked_batches", JSON.stringify({ ...this.parkedMeta(), [batch.id]: { tries: batch.tries, lastError: batch.lastError ?? null, parkedAt: now } }));
      this.store.setMeta("delivery_batch", "");
    });
  }

  private nextRows(): OutboxRow[] {
    const rows: OutboxRow[] = [];
    let bytes = 0;
    for (const row of this.store.outboxRows(null, OUTBOX_BATCH_ROWS)) {
      bytes += row.payload.length;
      if (rows.length > 0 && bytes > OUTBOX_BATCH_BYTES) break;
      rows.push(row);
    }
    return rows;
  }

  private backoff(tries: number): number {
    return backoffMs(tries - 1, Number(this.env().DELIVERY_BACKOFF_BASE_MS) || 1000, Number(this.env().DELIVERY_BACKOFF_CAP_MS) || 300_000);
  }

  private inFlight(): InFlight | undefined {
    const stored = this.store.meta("delivery_batch");
    if (!stored) return undefined;
    const parsed = JSON.parse(stored) as Partial<InFlight> & { id: string; sentAt: number };
    // A batch recorded before tries were kept: due now.
    return { tries: 0, nextTryAt: parsed.sentAt ? parsed.sentAt + DELIVERY_CONFIRM_TIMEOUT_MS : 0, ...parsed };
  }

  private save(batch: InFlight): void {
    this.store.setMeta("delivery_batch", JSON.stringify(batch));
  }

  private parkedMeta(): ParkedMeta {
    const stored = this.store.meta("parked_batches");
    return stored ? (JSON.parse(stored) as ParkedMeta) : {};
  }
}
