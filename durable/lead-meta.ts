/**
 * The lead's meta values: a dozen small rows (what the lead is, where it
 * stands in the merge protocol, its scoring, firmographics and profile, and
 * the cursors over its log), typed by key. The first read of an activation
 * loads them all in one query; the object is their only writer, so the cache
 * is written through (and forgotten when a transaction fails).
 */
import type { LeadSnapshot } from "../src/destinations/types";

export type LeadMetaKey =
  | "namespace_id"
  | "name"
  | "created_at"
  | "erased"
  | "forward_to"
  | "pushed_to"
  | "scoring"
  | "firmographics"
  | "profile"
  | "projected"
  | "parked_batches"
  | "delivery_cursor"
  | "archive_cursor"
  /** The conversion probability as of the last summary (lead-prediction.ts); empty: none. */
  | "prediction";

/** How far destinations have confirmed the log, and the lead as they last saw it (changes are sent against it). */
export interface DeliveryCursor {
  upto: number;
  /** Change items sent so far (the next one's id). */
  changes: number;
  snapshot: LeadSnapshot | null;
  /** The namespace delivers nowhere: rows after `upto` are owed to no destination. */
  off?: boolean;
}

export class LeadMeta {
  private readonly cache = new Map<string, string | undefined>();
  private loaded = false;
  private parsedCursor: { text: string; value: DeliveryCursor } | undefined;

  constructor(private readonly sql: SqlStorage) {}

  get(key: LeadMetaKey): string | undefined {
    if (!this.loaded) {
      for (const row of this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta")) this.cache.set(row.key, row.value);
      this.loaded = true;
    }
    return this.cache.get(key);
  }

  set(key: LeadMetaKey, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    this.cache.set(key, value);
  }

  forget(): void {
    this.cache.clear();
    this.loaded = false;
  }

  /** Read on every ingest call (is the namespace delivering?): parsed once per value written. */
  deliveryCursor(): DeliveryCursor {
    const stored = this.get("delivery_cursor");
    if (!stored) return { upto: 0, changes: 0, snapshot: null };
    if (this.parsedCursor?.text !== stored) this.parsedCursor = { text: stored, value: JSON.parse(stored) as DeliveryCursor };
    return { ...this.parsedCursor.value };
  }

  setDeliveryCursor(cursor: DeliveryCursor): void {
    this.set("delivery_cursor", JSON.stringify(cursor));
  }

  archiveCursor(): number {
    return Number(this.get("archive_cursor") ?? "0");
  }

  setArchiveCursor(upto: number): void {
    this.set("archive_cursor", String(upto));
  }
}
