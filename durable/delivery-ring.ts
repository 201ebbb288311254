import type { DeliveryRow } from "./delivery-store";

/** Rounds the log keeps at most per shard… */
export const RING_SIZE = 1_000;
/** …and for at most this long. */
export const RING_MAX_AGE_MS = 24 * 3_600_000;
/** A round's entries per ring row at most (a row stays well under SQLite's 2 MB). */
const ENTRIES_PER_ROW = 500;

/** A delivered item as the log shows it (no payload). */
export interface RingEntry {
  messageId: string;
  leadId: string;
  /** itemLabel (durable/delivery-store.ts): kind, event name, lead. */
  label: string | null;
  status: "delivered";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  updatedAt: number;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS ring (slot INTEGER PRIMARY KEY, round INTEGER NOT NULL, at INTEGER NOT NULL, entries TEXT NOT NULL)`;

type Run = <T extends Record<string, SqlStorageValue>>(query: string, ...params: SqlStorageValue[]) => T[];

/**
 * The delivery log of delivered items: one row per round, in slot
 * round % RING_SIZE, written over when the ring comes round (an upsert: one
 * row written per round, nothing deleted). Rows older than RING_MAX_AGE_MS
 * are not read.
 */
export class DeliveryRing {
  private nextRound: number | undefined;

  constructor(private readonly run: Run) {
    run(SCHEMA);
  }

  /** Logs a round's delivered items. */
  record(entries: readonly RingEntry[], now: number): void {
    for (let i = 0; i < entries.length; i += ENTRIES_PER_ROW) {
      this.nextRound ??= (this.run<{ n: number | null }>("SELECT max(round) AS n FROM ring")[0]?.n ?? -1) + 1;
      const round = this.nextRound++;
      this.run(
        "INSERT INTO ring (slot, round, at, entries) VALUES (?, ?, ?, ?) ON CONFLICT (slot) DO UPDATE SET round = excluded.round, at = excluded.at, entries = excluded.entries",
        round % RING_SIZE,
        round,
        now,
        JSON.stringify(entries.slice(i, i + ENTRIES_PER_ROW)),
      );
    }
  }

  /** Everything the ring holds that is young enough, oldest first. */
  entries(now: number): RingEntry[] {
    return this.run<{ entries: string }>("SELECT entries FROM ring WHERE at >= ? ORDER BY round", now - RING_MAX_AGE_MS).flatMap((r) => JSON.parse(r.entries) as RingEntry[]);
  }

  /** The leads were erased: the rounds that name them are written again without them (rare). */
  forget(leadIds: readonly string[]): void {
    const gone = new Set(leadIds);
    for (const row of this.run<{ slot: number; entries: string }>("SELECT slot, entries FROM ring")) {
      const entries = JSON.parse(row.entries) as RingEntry[];
      const kept = entries.filter((e) => !gone.has(e.leadId));
      if (kept.length === entries.length) continue;
      this.run("UPDATE ring SET entries = ? WHERE slot = ?", JSON.stringify(kept), row.slot);
    }
  }

  clear(): void {
    this.run("DELETE FROM ring");
    this.nextRound = undefined;
  }
}

export function ringRow(destinationId: string, entry: RingEntry): DeliveryRow {
  const label = entry.label ? (JSON.parse(entry.label) as Partial<Pick<DeliveryRow, "kind" | "event" | "lead">>) : {};
  return {
    destinationId,
    messageId: entry.messageId,
    leadId: entry.leadId,
    status: entry.status,
    attempts: entry.attempts,
    lastStatus: entry.lastStatus,
    lastError: entry.lastError,
    payload: null,
    updatedAt: entry.updatedAt,
    kind: label.kind ?? null,
    event: label.event ?? null,
    lead: label.lead ?? null,
  };
}
