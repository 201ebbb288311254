import type { DeliveryItem } from "../src/destinations/types";
import type { Waiting } from "../src/destinations/calls";

/** A delivery shard's log row per item, as the API shows it. */
export interface DeliveryRow {
  destinationId: string;
  messageId: string;
  leadId: string;
  /** `failed`: a test send that failed (it is no dead letter: nothing replays it). */
  status: "pending" | "retrying" | "delivered" | "dead" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  payload: string | null;
  updatedAt: number;
  /** What the item is, for the log: a test, a lead's change, or the event's name; and the lead by email or user id. */
  kind: DeliveryItem["kind"] | null;
  event: string | null;
  lead: string | null;
}

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

/** What the log shows of an item after its payload is gone: its kind, the event's name, the lead's email or user id. */
export function itemLabel(item: DeliveryItem): string {
  const event = item.event as { event?: unknown; type?: unknown; name?: unknown } | undefined;
  const name = item.kind === "change" ? "lead changed" : typeof event?.event === "string" ? event.event : typeof event?.name === "string" ? event.name : typeof event?.type === "string" ? event.type : null;
  return JSON.stringify({ kind: item.kind, event: name, lead: item.lead.email ?? item.lead.userId ?? null });
}

export interface Outcome {
  ok: boolean;
  /** Stays pending for another try (a retryable failure with tries left). */
  retry: boolean;
  status: number | null;
  error: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
  CREATE INDEX IF NOT EXISTS items_by_update ON items (updated_at);`;

/**
 * The SQLite of one delivery shard: its items (the queue and the delivery
 * log in one table: pending rows wait, delivered rows are the log, dead rows
 * keep their payload for replay) and its meta (which destination it serves).
 */
export class DeliveryStore {
  private readonly metaCache = new Map<string, string | undefined>();
  /** SQLite rows written by this shard since it started (what it costs per item), for `stats`. */
  rowsWritten = 0;
  private readonly sql: SqlStorage;

  constructor(storage: SqlStorage) {
    const exec = storage.exec.bind(storage);
    this.sql = Object.assign(Object.create(storage) as SqlStorage, {
      exec: ((query: string, ...params: SqlStorageValue[]) => {
        const cursor = exec(query, ...params);
        queueMicrotask(() => (this.rowsWritten += cursor.rowsWritten));
        return cursor;
      }) as SqlStorage["exec"],
    });
    const sql = this.sql;
    sql.exec(SCHEMA);
    // Shards made before the log named its rows get the column (older rows stay unnamed).
    if (!sql.exec<{ name: string }>("PRAGMA table_info(items)").toArray().some((c) => c.name === "label")) sql.exec("ALTER TABLE items ADD COLUMN label TEXT");
  }

  meta(key: string): string | undefined {
    if (!this.metaCache.has(key)) this.metaCache.set(key, this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value);
    return this.metaCache.get(key);
  }

  setMeta(key: string, value: string): void {
    if (this.meta(key) === value) return;
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    this.metaCache.set(key, value);
  }

  /** Adds the items not seen before (by messageId): a batch sent again adds nothing. Answers how many were new. */
  add(leadId: string, items: readonly DeliveryItem[], now: number, dead?: string): number {
    let added = 0;
    for (const item of items) {
      const cursor = this.sql.exec(
        "INSERT INTO items (message_id, lead_id, status, last_error, payload, updated_at, label) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
        item.messageId,
        leadId,
        dead ? "dead" : "pending",
        dead ?? null,
        JSON.stringify(item),
        now,
        itemLabel(item),
      );
      if (cursor.rowsWritten > 0) added++;
    }
    return added;
  }

  pending(limit: number): Waiting[] {
    return this.sql
      .exec<ItemRow>("SELECT seq, lead_id, payload FROM items WHERE status = 'pending' ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((row) => ({ seq: row.seq, leadId: row.lead_id, item: JSON.parse(row.payload!) as DeliveryItem }));
  }

  hasPending(): boolean {
    return this.sql.exec("SELECT 1 FROM items WHERE status = 'pending' LIMIT 1").toArray().length > 0;
  }

  pendingCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM items WHERE status = 'pending'").one().n;
  }

  /** Records one call's answer for the items it settled; a delivered item keeps no payload. */
  settle(seqs: readonly number[], outcome: Outcome, maxAttempts: number, now: number): void {
    for (const seq of seqs) {
      const row = this.sql.exec<{ attempts: number }>("SELECT attempts FROM items WHERE seq = ?", seq).toArray()[0];
      if (!row) continue;
      const attempts = row.attempts + 1;
      const status = outcome.ok ? "delivered" : outcome.retry && attempts < maxAttempts ? "pending" : "dead";
      this.sql.exec(
        `UPDATE items SET status = ?, attempts = ?, last_status = ?, last_error = ?, updated_at = ?${status === "delivered" ? ", payload = NULL" : ""} WHERE seq = ?`,
        status,
        attempts,
        outcome.status,
        outcome.error,
        now,
        seq,
      );
    }
  }

  /** A test send, already made, in the log as it ended (it is never queued, retried or replayed). */
  recordTest(item: DeliveryItem, outcome: { ok: boolean; status: number | null; error: string | null }, attempts: number, now: number): void {
    this.sql.exec(
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

  drop(seqs: readonly number[]): void {
    for (const seq of seqs) this.sql.exec("DELETE FROM items WHERE seq = ?", seq);
  }

  /** Dead letters (all, or those named) back to the end of the queue; answers how many. */
  replay(messageIds: readonly string[] | undefined, now: number): number {
    const dead = this.sql.exec<ItemRow>("SELECT * FROM items WHERE status = 'dead' AND payload IS NOT NULL ORDER BY seq").toArray();
    const wanted = messageIds ? new Set(messageIds) : undefined;
    let moved = 0;
    for (const row of dead) {
      if (wanted && !wanted.has(row.message_id)) continue;
      // A new seq puts it after what is already waiting.
      this.sql.exec("DELETE FROM items WHERE seq = ?", row.seq);
      this.sql.exec(
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
    const rows = this.sql
      .exec<{ status: string; n: number }>(
        `SELECT CASE WHEN status = 'pending' AND attempts > 0 THEN 'retrying' ELSE status END AS status, count(*) AS n FROM items
         WHERE label IS NULL OR json_extract(label, '$.kind') IS NOT 'test' GROUP BY 1`,
      )
      .toArray();
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
    return this.sql
      .exec<ItemRow>(`SELECT * FROM items ${where} ORDER BY updated_at DESC, seq DESC LIMIT ?`, ...params, limit)
      .toArray()
      .map((row) => toDeliveryRow(destinationId, row, withPayload));
  }

  forLeads(destinationId: string, leadIds: readonly string[]): DeliveryRow[] {
    return leadIds.flatMap((leadId) =>
      this.sql
        .exec<ItemRow>("SELECT * FROM items WHERE lead_id = ? ORDER BY seq", leadId)
        .toArray()
        .map((row) => toDeliveryRow(destinationId, row, true)),
    );
  }

  forgetLeads(leadIds: readonly string[]): void {
    for (const leadId of leadIds) this.sql.exec("DELETE FROM items WHERE lead_id = ?", leadId);
  }

  /**
   * Delivered rows older than `before`, and beyond the newest `keep`, leave
   * the log (dead letters stay until replayed). While a row stays, the same
   * messageId handed over again is not sent again.
   */
  prune(before: number, keep: number): void {
    this.sql.exec("DELETE FROM items WHERE status = 'delivered' AND updated_at < ?", before);
    const cutoff = this.sql.exec<{ seq: number }>("SELECT seq FROM items WHERE status = 'delivered' ORDER BY seq DESC LIMIT 1 OFFSET ?", keep).toArray()[0];
    if (cutoff) this.sql.exec("DELETE FROM items WHERE status = 'delivered' AND seq <= ?", cutoff.seq);
  }

  clear(): void {
    this.sql.exec("DELETE FROM items");
    this.sql.exec("DELETE FROM meta");
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

function readLabel(label: string | null): Pick<DeliveryRow, "kind" | "event" | "lead"> {
  if (!label) return { kind: null, event: null, lead: null };
  const { kind = null, event = null, lead = null } = JSON.parse(label) as Partial<Pick<DeliveryRow, "kind" | "event" | "lead">>;
  return { kind, event, lead };
}
