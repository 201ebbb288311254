/**
 * ArchiveObject: one shard of one namespace's event archive on R2, named
 * `<namespaceId>/<shard>` (src/archive/shards.ts: a lead's rows always come
 * to the same shard). See docs/archive.md for the design and its cost.
 *
 * Protocol
 * - `accept` takes a lead batch's items as the destinations consumer hands
 *   them over (the same hand-over as the delivery shards'), as rows in the
 *   shard's SQLite, deduplicated by messageId: a batch handed over again adds
 *   nothing. The alarm is set ARCHIVE_GATHER_MS ahead (at once when a file's
 *   worth of rows waits), so a file holds many leads' rows.
 * - The alarm flushes: the oldest waiting hand-overs (up to
 *   ARCHIVE_FILE_ROWS rows) are given to one file of today (the day rows are
 *   archived: a backfill of old events makes one file, not one per day), in
 *   a transaction; then the file is put to R2 under its key and the day's
 *   manifest of this shard is rewritten; only then do those hand-overs go. A
 *   run that fails in between writes the same file, same key, same rows
 *   again: a row is in exactly one file.
 * - Erasure (`forgetLeads`): the lead's waiting rows go at once; the files that
 *   hold its rows (`lead_files`) are read, rewritten without them (or deleted
 *   when nothing else is left) by the next alarm run, and the manifests follow.
 * - Retention: at most once per ARCHIVE_RETENTION_CHECK_MS the alarm reads the
 *   namespace's retention and deletes the files whose rows (by their own
 *   timestamp) have all left the window, and rewrites those holding some
 *   (a backfill's) without them.
 * - Seen messageIds are recognised for ARCHIVE_SEEN_MS to twice that (two
 *   tables, the older emptied in turn: no per-row expiry to write).
 */
import { DurableObject } from "cloudflare:workers";
import { manifestOf } from "../src/archive/manifest";
import { fileKey, manifestKey } from "../src/archive/keys";
import { readParquet, writeParquet } from "../src/archive/parquet";
import { dateOf, retentionCutoff, rowOf, type ArchiveRow } from "../src/archive/rows";
import { backoffMs } from "../src/destinations/backoff";
import type { DeliveryItem } from "../src/destinations/types";
import { loadScoringConfig } from "../src/db/scoring";
import { ArchiveStore, type ArchiveFile } from "./archive-store";

/** Files rewritten for erasure per alarm run. */
const ERASURE_FILES_PER_RUN = 16;
/** Files deleted by retention per R2 call (it deletes up to 1,000 keys in one), and files trimmed per run. */
const RETENTION_FILES_PER_RUN = 1_000;
const RETENTION_TRIMS_PER_RUN = 16;
/** A file holds at most this much row data (JSON), whatever ARCHIVE_FILE_ROWS says: an alarm run keeps it in memory. */
const FILE_MAX_BYTES = 32 * 1024 * 1024;

export class ArchiveObject extends DurableObject<Env> {
  private readonly store: ArchiveStore;
  private alarmAt: number | null | undefined;
  private failures = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new ArchiveStore(ctx.storage.sql);
  }

  /** Takes a lead batch's items; answers how many rows were new. */
  async accept(namespaceId: string, shard: number, leadId: string, items: DeliveryItem[]): Promise<number> {
    const now = Date.now();
    const added = this.ctx.storage.transactionSync(() => {
      this.store.setMeta("namespace_id", namespaceId);
      this.store.setMeta("shard", String(shard));
      // A new shard's first retention check is a period away: it holds no old files yet (and its first alarm needn't read D1).
      if (this.store.meta("retention_checked_at") === undefined) this.store.setMeta("retention_checked_at", String(now));
      if (this.store.isErased(leadId)) return 0;
      const rows = items.map((item) => rowOf(namespaceId, leadId, item, now)).filter((row): row is ArchiveRow => row !== null);
      return this.store.add(leadId, rows);
    });
    if (added > 0) {
      const full = this.store.pendingCount() >= this.fileRows();
      await this.setAlarm(full ? now : now + (Number(this.env.ARCHIVE_GATHER_MS) || 0));
    }
    return added;
  }

  /** The lead is erased: its rows leave this shard's files (see the protocol). */
  async forgetLeads(namespaceId: string, shard: number, leadIds: string[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.store.setMeta("namespace_id", namespaceId);
      this.store.setMeta("shard", String(shard));
      this.store.erase(leadIds, Date.now());
    });
    await this.setAlarm(Date.now());
  }

  /** Rows waiting, messageIds held, files listed; and storage rows written since this object started (for the cost count). */
  async stats(): Promise<{ pending: number; seen: number; files: number; rowsWritten: number; pendingErasures: number }> {
    return { ...this.store.counts(), rowsWritten: this.store.rowsWritten, pendingErasures: this.store.pendingErasures().length };
  }

  /**
   * Applies the namespace's retention to this shard's files now: a file whose
   * rows are all older than the window is deleted, one holding some older
   * rows (a backfill) is rewritten without them. Answers how many files
   * changed. (The alarm calls it hourly.)
   */
  async enforceRetention(now = Date.now()): Promise<number> {
    const namespaceId = this.store.meta("namespace_id");
    if (!namespaceId) return 0;
    this.store.setMeta("retention_checked_at", String(now));
    const cutoff = retentionCutoff((await loadScoringConfig(this.env.DB, namespaceId)).retentionDays, now);
    if (cutoff === null) return 0;
    const shard = Number(this.store.meta("shard"));
    let changed = 0;
    let trims = 0;
    for (;;) {
      const files = this.store.filesBefore(cutoff, RETENTION_FILES_PER_RUN);
      const expired = files.filter((f) => (f.lastAt ?? 0) < cutoff);
      const partly = files.filter((f) => (f.lastAt ?? 0) >= cutoff).slice(0, RETENTION_TRIMS_PER_RUN - trims);
      if (expired.length === 0 && partly.length === 0) break;
      if (expired.length > 0) {
        await this.env.ARCHIVE.delete(expired.map((f) => f.key));
        this.ctx.storage.transactionSync(() => this.store.forgetFiles(expired.map((f) => f.seq)));
      }
      for (const file of partly) await this.trim(file, cutoff);
      for (const date of new Set([...expired, ...partly].map((f) => f.date))) await this.putManifest(namespaceId, shard, date);
      changed += expired.length + partly.length;
      trims += partly.length;
      if (files.length < RETENTION_FILES_PER_RUN && (partly.length === 0 || trims >= RETENTION_TRIMS_PER_RUN)) break;
    }
    return changed;
  }

  /** Rewrites a file without its rows older than `cutoff`. */
  private async trim(file: ArchiveFile, cutoff: number): Promise<void> {
    const object = await this.env.ARCHIVE.get(file.key);
    const kept = object ? (await readParquet(await object.arrayBuffer())).filter((row) => row.timestamp >= cutoff) : [];
    if (kept.length === 0) {
      await this.env.ARCHIVE.delete(file.key);
      this.ctx.storage.transactionSync(() => this.store.forgetFiles([file.seq]));
      return;
    }
    const { bytes } = await this.put(file.key, kept);
    this.ctx.storage.transactionSync(() => this.store.fileTrimmed(file.seq, kept.length, bytes, kept.reduce((min, r) => Math.min(min, r.timestamp), Infinity)));
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const namespaceId = this.store.meta("namespace_id");
    if (!namespaceId) return;
    const shard = Number(this.store.meta("shard"));
    const now = Date.now();
    try {
      let more = await this.eraseFromFiles(namespaceId, shard);
      more = (await this.writeFiles(namespaceId, shard)) || more;
      const checkedAt = Number(this.store.meta("retention_checked_at") ?? "0");
      if (now - checkedAt >= this.retentionCheckMs()) await this.enforceRetention(now);
      this.store.rotateSeen(now, Number(this.env.ARCHIVE_SEEN_MS) || 86_400_000);
      this.failures = 0;
      if (more) return this.setAlarm(Date.now());
    } catch (error) {
      this.failures++;
      const wait = backoffMs(this.failures - 1, Number(this.env.DELIVERY_BACKOFF_BASE_MS) || 1000, Number(this.env.DELIVERY_BACKOFF_CAP_MS) || 300_000);
      console.error(`archive shard ${namespaceId}/${shard}: run failed, again in ${wait} ms`, error);
      return this.setAlarm(Date.now() + wait);
    }
    // Rows still waiting (arrived during the run), or the next retention check while the shard has files.
    if (this.store.pendingCount() > 0) await this.setAlarm(Date.now() + (Number(this.env.ARCHIVE_GATHER_MS) || 0));
    else if (this.store.hasFiles()) await this.setAlarm(Number(this.store.meta("retention_checked_at") ?? "0") + this.retentionCheckMs());
  }

  /**
   * Finishes the flush in progress, or starts one (the oldest pending
   * hand-overs, one file of today) and writes it; answers whether rows are left.
   */
  private async writeFiles(namespaceId: string, shard: number): Promise<boolean> {
    const today = dateOf(Date.now());
    this.ctx.storage.transactionSync(() => this.store.assignFiles(today, (date, seq) => fileKey(namespaceId, date, shard, seq), this.fileRows(), FILE_MAX_BYTES));
    const [file] = this.store.unwrittenFiles();
    if (!file) return false;
    const upto = file.upto;
    const rows = this.store.pendingRows(upto);
    const written = rows.length === 0 ? { rows: 0, bytes: 0 } : await this.put(file.key, rows);
    const ids = rows.map((r) => r.message_id).sort();
    const times = rows.map((r) => r.timestamp);
    this.ctx.storage.transactionSync(() =>
      this.store.fileWritten({
        seq: file.seq,
        rows: written.rows,
        bytes: written.bytes,
        minMessageId: ids[0] ?? null,
        maxMessageId: ids.at(-1) ?? null,
        firstAt: times.length ? times.reduce((a, b) => Math.min(a, b)) : null,
        lastAt: times.length ? times.reduce((a, b) => Math.max(a, b)) : null,
        writtenAt: Date.now(),
      }),
    );
    await this.putManifest(namespaceId, shard, file.date);
    this.ctx.storage.transactionSync(() => this.store.flushDone(upto));
    return this.store.pendingCount() >= this.fileRows();
  }

  /** Rewrites the files holding erased leads' rows without them; answers whether more are left. */
  private async eraseFromFiles(namespaceId: string, shard: number): Promise<boolean> {
    const leads = this.store.pendingErasures();
    if (leads.length === 0) return false;
    const erased = this.store.erasedLeadIds();
    const dates = new Set<string>();
    let budget = ERASURE_FILES_PER_RUN;
    for (const leadId of leads) {
      const files = this.store.filesOfLead(leadId, budget);
      for (const file of files) {
        await this.rewriteWithout(file, erased, leadId);
        dates.add(file.date);
      }
      budget -= files.length;
      if (budget <= 0) break;
      this.store.erasureDone(leadId);
    }
    for (const date of dates) await this.putManifest(namespaceId, shard, date);
    return budget <= 0;
  }

  private async rewriteWithout(file: ArchiveFile, erased: Set<string>, leadId: string): Promise<void> {
    const object = await this.env.ARCHIVE.get(file.key);
    const rows = object ? await readParquet(await object.arrayBuffer()) : [];
    const kept = rows.filter((row) => !erased.has(row.lead_id));
    const gone = [...new Set(rows.filter((row) => erased.has(row.lead_id)).map((row) => row.lead_id))];
    let bytes = 0;
    if (kept.length === 0) await this.env.ARCHIVE.delete(file.key);
    else bytes = (await this.put(file.key, kept)).bytes;
    this.ctx.storage.transactionSync(() => this.store.fileRewritten(file.seq, kept.length, bytes, [...new Set([leadId, ...gone])]));
  }

  private async put(key: string, rows: readonly ArchiveRow[]): Promise<{ rows: number; bytes: number }> {
    const body = writeParquet(rows);
    const ids = rows.map((r) => r.message_id).sort();
    await this.env.ARCHIVE.put(key, body, {
      httpMetadata: { contentType: "application/vnd.apache.parquet" },
      customMetadata: { rows: String(rows.length), minMessageId: ids[0] ?? "", maxMessageId: ids.at(-1) ?? "" },
    });
    return { rows: rows.length, bytes: body.byteLength };
  }

  private async putManifest(namespaceId: string, shard: number, date: string): Promise<void> {
    const files = this.store.writtenFilesOf(date);
    const key = manifestKey(namespaceId, date, shard);
    if (files.length === 0) await this.env.ARCHIVE.delete(key);
    else
      await this.env.ARCHIVE.put(key, JSON.stringify(manifestOf(namespaceId, date, shard, files, Date.now())), {
        httpMetadata: { contentType: "application/json" },
      });
  }

  private fileRows(): number {
    return Math.max(1, Number(this.env.ARCHIVE_FILE_ROWS) || 20_000);
  }

  private retentionCheckMs(): number {
    return Number(this.env.ARCHIVE_RETENTION_CHECK_MS) || 3_600_000;
  }

  private async setAlarm(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}
