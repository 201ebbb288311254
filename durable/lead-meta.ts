/**
 * The lead's meta values: a dozen small rows (what the lead is, where it
 * stands in the merge protocol, its scoring, firmographics and profile, and
 * the cursors over its log), typed by key. The first read of an activation
 * loads them all in one query; the object is their only writer, so the cache
 * is written through (and forgotten when a transaction fails).
 */
import type { LeadSnapshot } from "../src/destinations/types";
import { StoredJson, type ReadonlyDeep } from "../src/stored-json";

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

/** A meta key whose value is JSON of one type, declared by the module that owns the value. */
export class JsonMetaKey<T> extends StoredJson<T> {
  constructor(readonly key: LeadMetaKey) {
    super();
  }
}

const DELIVERY_CURSOR = new JsonMetaKey<DeliveryCursor>("delivery_cursor");

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

  /** The value under a JSON key; undefined when there is none (or it is empty). */
  getJson<T>(key: JsonMetaKey<T>): T | undefined {
    const stored = this.get(key.key);
    return stored ? key.parse(stored) : undefined;
  }

  setJson<T>(key: JsonMetaKey<T>, value: ReadonlyDeep<T>): void {
    this.set(key.key, key.stringify(value));
  }

  forget(): void {
    this.cache.clear();
    this.loaded = false;
  }

  /** Read on every ingest call (is the namespace delivering?): parsed once per value written. */
  deliveryCursor(): DeliveryCursor {
    const stored = this.get(DELIVERY_CURSOR.key);
    if (!stored) return { upto: 0, changes: 0, snapshot: null };
    if (this.parsedCursor?.text !== stored) this.parsedCursor = { text: stored, value: DELIVERY_CURSOR.parse(stored) };
    return { ...this.parsedCursor.value };
  }

  setDeliveryCursor(cursor: DeliveryCursor): void {
    this.setJson(DELIVERY_CURSOR, cursor);
  }

  archiveCursor(): number {
    return Number(this.get("archive_cursor") ?? "0");
  }

  setArchiveCursor(upto: number): void {
    this.set("archive_cursor", String(upto));
  }
}
