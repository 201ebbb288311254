/**
 * The lead's meta values: a dozen small rows (what the lead is, where it
 * stands in the merge protocol, its scoring, firmographics and profile, and
 * the cursors over its log), typed by key. The first read of an activation
 * loads them all in one query; the object is their only writer, so the cache
 * is written through (and forgotten when a transaction fails).
 *
 * The cursors move on every confirmation (a delivered batch, an archive
 * file), and a row written each time was most of what a lead wrote besides
 * its events. A move may be saved later: the value counts at once in this
 * activation and is written by `saveUnsaved`: `later` within
 * CURSOR_SAVE_SECONDS (the lead's alarm), `memory` only when it must be
 * (before rows are deleted, or by the owner's choice). An eviction before
 * then loses only the move: the lead hands those rows over again from the
 * saved cursor, and the shards recognise what they already took (a delivery
 * shard by messageId within the hour, so its cursor is `later`; an archive
 * shard by seq in its files, for good, so its cursor may stay in `memory`).
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
  /** Values set `later` (due) or kept in `memory`, not written yet (kept when the cache is forgotten: no transaction holds them). */
  private readonly unsaved = new Map<LeadMetaKey, { value: string; due: boolean }>();
  private unsavedAt: number | undefined;

  constructor(private readonly sql: SqlStorage) {}

  get(key: LeadMetaKey): string | undefined {
    if (!this.loaded) {
      for (const row of this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta")) this.cache.set(row.key, row.value);
      this.loaded = true;
    }
    return this.unsaved.get(key)?.value ?? this.cache.get(key);
  }

  /** The value as written (what a fresh activation would read). */
  saved(key: LeadMetaKey): string | undefined {
    this.get(key);
    return this.cache.get(key);
  }

  /** Writes the value now, or keeps it for `saveUnsaved` (`later`: due within the save interval; `memory`: not due). */
  set(key: LeadMetaKey, value: string, when: "now" | "later" | "memory" = "now"): void {
    if (when !== "now") {
      const due = when === "later" || this.unsaved.get(key)?.due === true;
      this.unsaved.set(key, { value, due });
      if (due) this.unsavedAt ??= Date.now();
      return;
    }
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    this.cache.set(key, value);
    this.unsaved.delete(key);
  }

  /** Since when a value set `later` waits to be written (undefined: none waits). */
  unsavedSince(): number | undefined {
    return this.unsavedAt;
  }

  /** Writes the values set `later` (`all`: those kept in `memory` too), a row each. */
  saveUnsaved(which: "due" | "all" = "due"): void {
    for (const [key, { value, due }] of [...this.unsaved]) if (due || which === "all") this.set(key, value);
    this.unsavedAt = undefined;
  }

  /** Erasure: values not yet written are dropped with the rest. */
  dropUnsaved(): void {
    this.unsaved.clear();
    this.unsavedAt = undefined;
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

  setDeliveryCursor(cursor: DeliveryCursor, when: "now" | "later" = "now"): void {
    this.set(DELIVERY_CURSOR.key, DELIVERY_CURSOR.stringify(cursor), when);
  }

  archiveCursor(): number {
    return Number(this.get("archive_cursor") ?? "0");
  }

  setArchiveCursor(upto: number, when: "now" | "later" | "memory" = "now"): void {
    this.set("archive_cursor", String(upto), when);
  }
}
