import type { Waiting } from "../src/destinations/calls";
import type { DeliveryItem, DeliveryResult } from "../src/destinations/types";
import type { RingEntry } from "./delivery-ring";
import { itemLabel, type Kept } from "./delivery-store";

/** One lead's items for this destination, as one `accept` handed them over. */
export interface Handed {
  leadId: string;
  items: DeliveryItem[];
}

/**
 * Gathers hand-overs into rounds: those arriving within `gatherMs` of a
 * round's first (across leads and concurrent calls: the object lets other
 * calls in while it awaits) go out together. Rounds run one at a time, so a
 * round sees what the one before it stored; a round still gathering when the
 * one before ends late keeps gathering until then. Every hand-over's promise
 * settles when its round is done.
 */
export class RoundGatherer {
  private open: { handed: Handed[]; done: Promise<void> } | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly run: (handed: Handed[]) => Promise<void>) {}

  join(handed: Handed, gatherMs: number): Promise<void> {
    if (this.open) {
      this.open.handed.push(handed);
      return this.open.done;
    }
    const previous = this.tail;
    const round: { handed: Handed[]; done: Promise<void> } = { handed: [handed], done: Promise.resolve() };
    round.done = (async () => {
      await Promise.all([new Promise((r) => setTimeout(r, gatherMs)), previous.catch(() => {})]);
      if (this.open === round) this.open = undefined;
      await this.run(round.handed);
    })();
    this.open = round;
    this.tail = round.done;
    return round.done;
  }
}

/** A round's items in hand-over order, numbered for the calls that settle them (these seqs live in memory only). */
export function waitingOf(handed: readonly Handed[]): Waiting[] {
  return handed.flatMap((h) => h.items.map((item) => ({ leadId: h.leadId, item }))).map((w, seq) => ({ ...w, seq }));
}

/**
 * What a round leaves: delivered items for the log's ring; the rest as rows
 * for the alarm's drain, in the round's order (a failed try counts; an item
 * never tried waits with none).
 */
export function outcomesOf(waiting: readonly Waiting[], results: ReadonlyMap<number, DeliveryResult>, maxAttempts: number, now: number): { delivered: RingEntry[]; kept: Kept[] } {
  const delivered: RingEntry[] = [];
  const kept: Kept[] = [];
  for (const w of waiting) {
    const result = results.get(w.seq);
    if (result?.ok) {
      delivered.push(deliveredEntry(w.leadId, w.item, 1, result.status, now));
      continue;
    }
    const attempts = result ? 1 : 0;
    kept.push({
      leadId: w.leadId,
      item: w.item,
      status: !result || (result.retryable && attempts < maxAttempts) ? "pending" : "dead",
      attempts,
      lastStatus: result?.status ?? null,
      lastError: result?.error ?? null,
    });
  }
  return { delivered, kept };
}

export function deliveredEntry(leadId: string, item: DeliveryItem, attempts: number, status: number, now: number): RingEntry {
  return { messageId: item.messageId, leadId, label: itemLabel(item), status: "delivered", attempts, lastStatus: status, lastError: null, updatedAt: now };
}
