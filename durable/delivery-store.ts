import type { DeliveryItem } from "../src/destinations/types";
import type { Waiting } from "../src/destinations/calls";
import type { DeliveryRow } from "../src/contracts/shard-rows";
export type { DeliveryRow };
import { StoredJson } from "../src/stored-json";

interface ItemRow extends Record<string, SqlStorageValue> {
  seq: number;
  message_id: string;
  lead_id: string;
  status: "pending" | "delivered" | "dead" | "failed";
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  payload: string | null;
  updated_at: number;
  label: string | null;
}

/** An item as it waits (the column `payload`). */
const itemJson = new StoredJson<DeliveryItem>();
/** What the log shows of an item after its payload is gone (the column `label`, and a ring entry's `label`). */
const labelJson = new StoredJson<Partial<Pick<DeliveryRow, "kind" | "event" | "lead">>>();

/** What the log shows of an item after its payload is gone: its kind, the event's name, the lead's email or user id. */
export function itemLabel(item: DeliveryItem): string {
  const event = item.event as { event?: unknown; type?: unknown; name?: unknown } | undefined;
  const name = item.kind === "change" ? "lead changed" : typeof event?.event === "string" ? event.event : typeof event?.name === "string" ? event.name : typeof event?.type === "string" ? event.type : null;
  return labelJson.stringify({ kind: item.kind, event: name, lead: item.lead.email ?? item.lead.userId ?? null });
}

/** A failed try's answer. */
export interface Outcome {
  /** Stays pending for another try (a retryable failure with tries left). */
  retry: boolean;
  status: number | null;
  error: string | null;
}

/** An item a round could not finish, as it is stored: waiting (tried or not) or dead. */
export interface Kept {
  leadId: string;
  item: DeliveryItem;
  status: "pending" | "dead";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

/** A waiting row as the drain reads it. */
export interface StoredWaiting extends Waiting {
  attempts: number;
}

/** seq: max + 1 (no AUTOINCREMENT, whose sequence row is one more row written per insert; shards from before keep theirs). */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    lead_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    payload TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS items_by_status ON items (status, seq);
  CREATE INDEX IF NOT EXISTS items_by_lead ON items (lead_id);
  DROP INDEX IF EXISTS items_by_update;`;

/**
 * The SQLite of one delivery shard: the items it could not deliver at once
 * (pending rows wait for the alarm's drain, dead rows keep their payload for
 * replay), test sends, and delivered rows of shards from before the log's
 * ring (pruned by age); and its meta (which destination it serves). Delivered
 * items are logged in the ring (durable/delivery-ring.ts), written through
 * `run` too. Every statement's rows written add up in `rowsWritten` (what
 * the shard costs per item).
 */
export class DeliveryStore {
  private readonly metaCache = new Map<string, string | undefined>();
  rowsWritten = 0;

  constructor(private readonly sql: SqlStorage) {
    this.run(SCHEMA);
    // Shards made before the log named its rows get the column (older rows stay unnamed).
    if (!this.run<{ name: string }>("PRAGMA table_info(items)").some((c) => c.name === "label")) this.run("ALTER TABLE items ADD COLUMN label TEXT");
  }

  readonly run = <T extends Record<string, SqlStorageValue>>(query: string, ...params: SqlStorageValue[]): T[] => {
    const cursor = this.sql.exec<T>(query, ...params);
    const rows = cursor.toArray();
    this.rowsWritten += cursor.rowsWritten;
    return rows;
  };

  meta(key: string): string | undefined {
    if (!this.metaCache.has(key)) this.metaCache.set(key, this.run<{ value: string }>("SELECT value FROM meta WHERE key = ?", key)[0]?.value);
    return this.metaCache.get(key);
  }

  setMeta(key: string, value: string): void {
    if (this.meta(key) === value) return;
    this.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    this.metaCache.set(key, value);
  }

  /** Which of these messageIds have a row (waiting, dead, or logged before the ring). */
  known(messageIds: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (let i = 0; i < messageIds.length; i += 90) {
      const chunk = messageIds.slice(i, i + 90);
      for (const row of this.run<{ message_id: string }>(`SELECT message_id FROM items WHERE message_id IN (${chunk.map(() => "?").join(",")})`, ...chunk)) found.add(row.message_id);
    }
    return found;
  }

  /** Which of these leads have items waiting here (their later items wait behind them). */
  waitingLeads(leadIds: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (const leadId of new Set(leadIds)) if (this.run("SELECT 1 FROM items WHERE lead_id = ? AND status = 'pending' LIMIT 1", leadId).length > 0) found.add(leadId);
    return found;
  }

  /** Stores what a round could not finish, in its order (after everything already waiting). */
  keep(kept: readonly Kept[], now: number): void {
    for (const k of kept) {
      this.run(
        "INSERT INTO items (message_id, lead_id, status, attempts, last_status, last_error, payload, updated_at, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
        k.item.messageId,
        k.leadId,
        k.status,
        k.attempts,
        k.lastStatus,
        k.lastError,
        itemJson.stringify(k.item),
        now,
        itemLabel(k.item),
      );
    }
  }

  pending(limit: number): StoredWaiting[] {
    return this.run<ItemRow>("SELECT seq, lead_id, payload, attempts FROM items WHERE status = 'pending' ORDER BY seq LIMIT ?", limit).map((row) => ({
      seq: row.seq,
      leadId: row.lead_id,
      item: itemJson.parse(row.payload!),
      attempts: row.attempts,
    }));
  }

  hasPending(): boolean {
    return this.run("SELECT 1 FROM items WHERE status = 'pending' LIMIT 1").length > 0;
  }

  /** Records a failed try of waiting items: they wait again, or are dead when out of tries (or not to be retried). */
  fail(seqs: readonly number[], outcome: Outcome, maxAttempts: number, now: number): void {
    for (const seq of seqs) {
      const row = this.run<{ attempts: number }>("SELECT attempts FROM items WHERE seq = ?", seq)[0];
      if (!row) continue;
      const attempts = row.attempts + 1;
      const status = outcome.retry && attempts < maxAttempts ? "pending" : "dead";
      this.run("UPDATE items SET status = ?, attempts = ?, last_status = ?, last_error = ?, updated_at = ? WHERE seq = ?", status, attempts, outcome.status, outcome.error, now, seq);
    }
  }

  /** A test send, already made, in the log as it ended (it is never queued, retried or replayed). */
  recordTest(item: DeliveryItem, outcome: { ok: boolean; status: number | null; error: string | null }, attempts: number, now: number): void {
    this.run(
      "INSERT INTO items (message_id, lead_id, status, attempts, last_status, last_error, payload, updated_at, label) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?) ON CONFLICT (message_id) DO NOTHING",
      item.messageId,
      item.lead.id,
      outcome.ok ? "delivered" : "failed",
      attempts,
      outcome.status,
      outcome.error,
      now,
      itemLabel(item),
    );
  }

  /** Removes rows: delivered (the ring logs them) or of erased leads. */
  drop(seqs: readonly number[]): void {
    for (const seq of seqs) this.run("DELETE FROM items WHERE seq = ?", seq);
  }

  /** Dead letters (all, or those named) back to the end of the queue; answers how many. */
  replay(messageIds: readonly string[] | undefined, now: number): number {
    const dead = this.run<ItemRow>("SELECT * FROM items WHERE status = 'dead' AND payload IS NOT NULL ORDER BY seq");
    const wanted = messageIds ? new Set(messageIds) : undefined;
    let moved = 0;
    for (const row of dead) {
      if (wanted && !wanted.has(row.message_id)) continue;
      // A new seq puts it after what is already waiting.
      this.run("DELETE FROM items WHERE seq = ?", row.seq);
      this.run(
        "INSERT INTO items (message_id, lead_id, status, attempts, last_status, last_error, payload, updated_at, label) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)",
        row.message_id,
        row.lead_id,
        row.attempts,
        row.last_status,
        row.last_error,
        row.payload,
        now,
        row.label,
      );
      moved++;
    }
    return moved;
  }

  /** Items by status; test sends are in the log but not counted. */
  counts(): Record<string, number> {
    const rows = this.run<{ status: string; n: number }>(
      `SELECT CASE WHEN status = 'pending' AND attempts > 0 THEN 'retrying' ELSE status END AS status, count(*) AS n FROM items
       WHERE label IS NULL OR json_extract(label, '$.kind') IS NOT 'test' GROUP BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** The log, newest first; `status` as the API names it (retrying: pending after a failed try). */
  list(destinationId: string, status: DeliveryRow["status"] | undefined, limit: number, withPayload = false): DeliveryRow[] {
    const where =
      status === "retrying"
        ? "WHERE status = 'pending' AND attempts > 0"
        : status === "pending"
          ? "WHERE status = 'pending' AND attempts = 0"
          : status
            ? "WHERE status = ?"
            : "";
    const params = status === "delivered" || status === "dead" ? [status] : [];
    return this.run<ItemRow>(`SELECT * FROM items ${where} ORDER BY updated_at DESC, seq DESC LIMIT ?`, ...params, limit).map((row) => toDeliveryRow(destinationId, row, withPayload));
  }

  forLeads(destinationId: string, leadIds: readonly string[]): DeliveryRow[] {
    return leadIds.flatMap((leadId) => this.run<ItemRow>("SELECT * FROM items WHERE lead_id = ? ORDER BY seq", leadId).map((row) => toDeliveryRow(destinationId, row, true)));
  }

  forgetLeads(leadIds: readonly string[]): void {
    for (const leadId of leadIds) this.run("DELETE FROM items WHERE lead_id = ?", leadId);
  }

  /**
   * Delivered rows (test sends, and the log of shards from before the ring)
   * older than `before`, and beyond the newest `keep`, leave the log (dead
   * letters stay until replayed).
   */
  prune(before: number, keep: number): void {
    this.run("DELETE FROM items WHERE status = 'delivered' AND updated_at < ?", before);
    const cutoff = this.run<{ seq: number }>("SELECT seq FROM items WHERE status = 'delivered' ORDER BY seq DESC LIMIT 1 OFFSET ?", keep)[0];
    if (cutoff) this.run("DELETE FROM items WHERE status = 'delivered' AND seq <= ?", cutoff.seq);
  }

  clear(): void {
    this.run("DELETE FROM items");
    this.run("DELETE FROM meta");
    this.metaCache.clear();
  }
}

function toDeliveryRow(destinationId: string, row: ItemRow, withPayload: boolean): DeliveryRow {
  return {
    destinationId,
    messageId: row.message_id,
    leadId: row.lead_id,
    status: row.status === "pending" ? (row.attempts > 0 ? "retrying" : "pending") : row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    payload: withPayload ? row.payload : null,
    updatedAt: row.updated_at,
    ...readLabel(row.label),
  };
}

export function readLabel(label: string | null | undefined): Pick<DeliveryRow, "kind" | "event" | "lead"> {
  if (!label) return { kind: null, event: null, lead: null };
  const { kind = null, event = null, lead = null } = labelJson.parse(label);
  return { kind, event, lead };
}
