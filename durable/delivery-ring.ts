import { readLabel, type DeliveryRow } from "./delivery-store";
import { StoredJson } from "../src/stored-json";

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

/** A ring row's entries (the column `entries`). */
const entriesJson = new StoredJson<RingEntry[]>();

/** `n`: how many entries the row holds, so counting the log parses nothing. */
const SCHEMA = `CREATE TABLE IF NOT EXISTS ring (slot INTEGER PRIMARY KEY, round INTEGER NOT NULL, at INTEGER NOT NULL, n INTEGER NOT NULL, entries TEXT NOT NULL)`;

type Run = <T extends Record<string, SqlStorageValue>>(query: string, ...params: SqlStorageValue[]) => T[];

/**
 * The delivery log of delivered items: one row per round, in slot
 * round % RING_SIZE, written over when the ring comes round (an upsert: one
 * row written per round, nothing deleted). Rows older than RING_MAX_AGE_MS
 * are not read.
 */
export class DeliveryRing {
  private nextRound: number | undefined;

  /** `run` counts the rows written (durable/delivery-store.ts); `sql` streams the rows `newest` reads. */
  constructor(
    private readonly run: Run,
    private readonly sql: SqlStorage,
  ) {
    run(SCHEMA);
  }

  /** Logs a round's delivered items. */
  record(entries: readonly RingEntry[], now: number): void {
    for (let i = 0; i < entries.length; i += ENTRIES_PER_ROW) {
      this.nextRound ??= (this.run<{ n: number | null }>("SELECT max(round) AS n FROM ring")[0]?.n ?? -1) + 1;
      const round = this.nextRound++;
      const chunk = entries.slice(i, i + ENTRIES_PER_ROW);
      this.run(
        "INSERT INTO ring (slot, round, at, n, entries) VALUES (?, ?, ?, ?, ?) ON CONFLICT (slot) DO UPDATE SET round = excluded.round, at = excluded.at, n = excluded.n, entries = excluded.entries",
        round % RING_SIZE,
        round,
        now,
        chunk.length,
        entriesJson.stringify(chunk),
      );
    }
  }

  /** How many delivered items the ring holds. */
  count(now: number): number {
    return this.run<{ n: number | null }>("SELECT sum(n) AS n FROM ring WHERE at >= ?", now - RING_MAX_AGE_MS)[0]?.n ?? 0;
  }

  /**
   * The newest entries, newest first, at most `limit`, optionally only
   * those younger than `since`: rows are read one at a time, newest first,
   * so a large ring is never parsed whole.
   */
  *newest(now: number, limit = Infinity, since = now - RING_MAX_AGE_MS): Generator<RingEntry> {
    if (limit <= 0) return;
    let given = 0;
    for (const row of this.sql.exec<{ entries: string }>("SELECT entries FROM ring WHERE at >= ? ORDER BY round DESC", Math.max(since, now - RING_MAX_AGE_MS))) {
      const entries = entriesJson.parse(row.entries);
      for (let i = entries.length - 1; i >= 0; i--) {
        yield entries[i]!;
        if (++given >= limit) return;
      }
    }
  }

  /** A lead's entries, oldest first (only the rows naming it are parsed). */
  ofLead(leadId: string, now: number): RingEntry[] {
    return this.run<{ entries: string }>("SELECT entries FROM ring WHERE at >= ? AND instr(entries, ?) > 0 ORDER BY round", now - RING_MAX_AGE_MS, leadNeedle(leadId))
      .flatMap((r) => entriesJson.parse(r.entries))
      .filter((e) => e.leadId === leadId);
  }

  /** The leads were erased: the rounds that name them are written again without them (rare). */
  forget(leadIds: readonly string[]): void {
    const gone = new Set(leadIds);
    for (const leadId of gone) {
      for (const row of this.run<{ slot: number; entries: string }>("SELECT slot, entries FROM ring WHERE instr(entries, ?) > 0", leadNeedle(leadId))) {
        const kept = entriesJson.parse(row.entries).filter((e) => !gone.has(e.leadId));
        this.run("UPDATE ring SET n = ?, entries = ? WHERE slot = ?", kept.length, entriesJson.stringify(kept), row.slot);
      }
    }
  }

  clear(): void {
    this.run("DELETE FROM ring");
    this.nextRound = undefined;
  }
}

/** How a lead's entries appear in a ring row's JSON. */
function leadNeedle(leadId: string): string {
  return `"leadId":${JSON.stringify(leadId)}`;
}

export function ringRow(destinationId: string, entry: RingEntry): DeliveryRow {
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
    ...readLabel(entry.label),
  };
}
