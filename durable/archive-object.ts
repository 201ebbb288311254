/**
 * ArchiveObject: one shard of one namespace's event archive on R2, named
 * `<namespaceId>/<shard>` (src/archive/shards.ts: a lead's rows always come
 * to the same shard). See docs/archive.md for the design and its cost.
 *
 * Protocol
 * - `accept` takes a lead's events (items carrying `seq`, their place in the
 *   lead's log), handed over by the lead itself. They wait IN MEMORY only
 *   (src/archive/buffer.ts): nothing is written per hand-over or per event.
 *   Per lead, rows are deduplicated by seq against a high-water mark: the
 *   highest seq waiting, or the highest in a file (`lead_files.upto`). A
 *   hand-over repeated (the lead's timeout, its eviction) adds only newer
 *   rows; when some of it is already in a file, the lead is told so at once.
 *   The alarm is set ARCHIVE_GATHER_MS ahead (at once when a file's worth of
 *   rows, or FILE_MAX_BYTES, waits), so a file holds many leads' rows.
 *   A hand-over that continues an earlier one (`continuesFrom`) the shard
 *   does not hold (lost with an eviction) is refused: a file must never
 *   confirm past a gap. The lead's timeout hands over from its cursor again.
 * - The alarm writes a file: the oldest waiting rows (up to
 *   ARCHIVE_FILE_ROWS) of today (the day rows are archived). Its `files` row
 *   fixes its key first; then the file is put, the day's manifest of this
 *   shard rewritten, and its `files` figures and `lead_files` rows (each
 *   lead's highest seq in it) written in one transaction. Only then do the
 *   rows leave memory, and each lead in the file is told `archived(upto)`
 *   (in parallel; a failure is logged: the lead hands the rows over again).
 *   A run that fails before the transaction puts the same rows under the
 *   same key again; an eviction loses the rows in memory, which the leads
 *   hand over again, and the next file takes the key that was never
 *   completed: a row is in exactly one file.
 * - Erasure (`forgetLeads`): the lead's rows in memory go at once, rows
 *   handed over later are refused (`erased`); the files that hold its rows
 *   (`lead_files`) are read, rewritten without them (or deleted when nothing
 *   else is left) by the next alarm run, and the manifests follow.
 * - Retention: at most once per ARCHIVE_RETENTION_CHECK_MS the alarm reads the
 *   namespace's retention and deletes the files whose rows (by their own
 *   timestamp) have all left the window, and rewrites those holding some
 *   (a backfill's) without them.
 * - Upgrade: a shard from before (hand-overs as `pending` rows, messageIds
 *   in `seen_*`) loads its pending rows into memory at start; the old tables
 *   are dropped in the transaction of the file that holds the last of them.
 */
import { DurableObject } from "cloudflare:workers";
import { ArchiveBuffer, type FileBatch } from "../src/archive/buffer";
import { confirmArchived, type Confirmation } from "../src/archive/confirm";
import { manifestOf } from "../src/archive/manifest";
import { fileKey, manifestKey } from "../src/archive/keys";
import { readParquet, writeParquet } from "../src/archive/parquet";
import { dateOf, retentionCutoff, rowOf, type ArchiveRow } from "../src/archive/rows";
import { backoffMs } from "../src/destinations/backoff";
import type { DeliveryItem } from "../src/destinations/types";
import { loadScoringConfig } from "../src/db/scoring";
import { ArchiveStore, type ArchiveFile } from "./archive-store";
import { SoonestAlarm } from "./alarm";
import { config } from "../src/config";

/** Files rewritten for erasure per alarm run. */
const ERASURE_FILES_PER_RUN = 16;
/** Files deleted by retention per R2 call (it deletes up to 1,000 keys in one), and files trimmed per run. */
const RETENTION_FILES_PER_RUN = 1_000;
const RETENTION_TRIMS_PER_RUN = 16;
/** A file holds at most this much row data (JSON), whatever ARCHIVE_FILE_ROWS says; it also bounds the rows held in memory. */
const FILE_MAX_BYTES = 32 * 1024 * 1024;

export class ArchiveObject extends DurableObject<Env> {
  private readonly store: ArchiveStore;
  private readonly buffer = new ArchiveBuffer();
  /** Rows loaded from an old shard's `pending` table not yet in a file (the old tables go when none is left). */
  private readonly legacy = new Set<ArchiveRow>();
  private readonly alarmClock = new SoonestAlarm(this.ctx.storage);
  private failures = 0;
  /** Calls to leads' `archived` since this object started: made, and answered. */
  private confirmations = { sent: 0, ok: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new ArchiveStore(ctx.storage.sql);
    this.loadLegacy();
  }

  /**
   * Takes a lead's events; answers how many rows were new. `continuesFrom`:
   * the last seq of the earlier hand-over these items continue (absent when
   * they start at the lead's archive cursor). When the shard holds less of
   * the lead (an eviction lost those rows), it takes nothing, so that it never
   * confirms past the gap; the lead hands over again from its cursor.
   */
  async accept(namespaceId: string, shard: number, leadId: string, items: DeliveryItem[], continuesFrom?: number): Promise<number> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.store.setMeta("namespace_id", namespaceId);
      this.store.setMeta("shard", String(shard));
      // A new shard's first retention check is a period away: it holds no old files yet (and its first alarm needn't read D1).
      if (this.store.meta("retention_checked_at") === undefined) this.store.setMeta("retention_checked_at", String(now));
    });
    if (this.store.isErased(leadId)) return 0;
    const rows = items.flatMap((item) => {
      const row = rowOf(namespaceId, leadId, item, now);
      return row ? [{ seq: item.seq, row }] : [];
    });
    const archivedUpto = this.store.archivedUpto(leadId);
    if (continuesFrom !== undefined && continuesFrom > this.buffer.highOf(leadId, archivedUpto)) return 0;
    const { added, alreadyArchived } = this.buffer.add(leadId, archivedUpto, rows);
    // Rows already in a file came again: the lead missed its confirmation, so it gets one now.
    if (alreadyArchived) this.ctx.waitUntil(this.confirm(`${namespaceId}/${shard}`, [{ leadId, upto: archivedUpto }]));
    if (added > 0) await this.alarmClock.setNoLaterThan(this.fileIsFull() ? now : now + this.gatherMs());
    return added;
  }

  /** The lead is erased: its rows leave this shard's memory and files (see the protocol). */
  async forgetLeads(namespaceId: string, shard: number, leadIds: string[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.store.setMeta("namespace_id", namespaceId);
      this.store.setMeta("shard", String(shard));
      this.store.erase(leadIds, Date.now());
    });
    for (const leadId of leadIds) this.buffer.drop(leadId);
    await this.alarmClock.setNoLaterThan(Date.now());
  }

  /** Rows waiting in memory, files written, erasures left, confirmations made; storage rows written since this object started (the cost count). */
  async stats(): Promise<{ pending: number; files: number; rowsWritten: number; pendingErasures: number; confirmations: { sent: number; ok: number } }> {
    return {
      pending: this.buffer.rows,
      ...this.store.counts(),
      rowsWritten: this.store.rowsWritten,
      pendingErasures: this.store.pendingErasures().length,
      confirmations: { ...this.confirmations },
    };
  }

  /** One lead as this shard sees it: rows waiting in memory, and the highest seq in a file. */
  async leadState(leadId: string): Promise<{ waiting: number; archivedUpto: number }> {
    return { waiting: this.buffer.waitingOf(leadId), archivedUpto: this.store.archivedUpto(leadId) };
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
    this.alarmClock.started();
    const namespaceId = this.store.meta("namespace_id");
    if (!namespaceId) return;
    const shard = Number(this.store.meta("shard"));
    const now = Date.now();
    try {
      let more = await this.eraseFromFiles(namespaceId, shard);
      more = (await this.writeFile(namespaceId, shard)) || more;
      const checkedAt = Number(this.store.meta("retention_checked_at") ?? "0");
      if (now - checkedAt >= this.retentionCheckMs()) await this.enforceRetention(now);
      this.failures = 0;
      if (more) return this.alarmClock.setNoLaterThan(Date.now());
    } catch (error) {
      this.failures++;
      const wait = backoffMs(this.failures - 1, config(this.env).delivery.backoff.baseMs, config(this.env).delivery.backoff.capMs);
      console.error(`archive shard ${namespaceId}/${shard}: run failed, again in ${wait} ms`, error);
      return this.alarmClock.setNoLaterThan(Date.now() + wait);
    }
    // Rows still waiting (arrived during the run), or the next retention check while the shard has files.
    if (this.buffer.rows > 0) await this.alarmClock.setNoLaterThan(Date.now() + this.gatherMs());
    else if (this.store.hasFiles()) await this.alarmClock.setNoLaterThan(Number(this.store.meta("retention_checked_at") ?? "0") + this.retentionCheckMs());
  }

  /**
   * Writes one file of the oldest waiting rows (see the protocol), tells its
   * leads, and answers whether a full file's worth is still waiting.
   */
  private async writeFile(namespaceId: string, shard: number): Promise<boolean> {
    if (this.buffer.rows === 0) return false;
    const batch = this.buffer.take(this.fileRows(), FILE_MAX_BYTES);
    const file = this.ctx.storage.transactionSync(() => this.store.openFile(dateOf(Date.now()), (date, seq) => fileKey(namespaceId, date, shard, seq)));
    const done = { ...file, ...(await this.put(file.key, batch.rows)), ...spanOf(batch.rows), writtenAt: Date.now() };
    await this.putManifest(namespaceId, shard, file.date, done);
    const leads = batch.parts.map(({ leadId, upto }) => ({ leadId, upto }));
    this.ctx.storage.transactionSync(() => {
      this.store.fileWritten(done, leads);
      if (this.legacyDone(batch)) this.store.dropLegacy();
    });
    this.buffer.remove(batch.parts);
    await this.confirm(`${namespaceId}/${shard}`, leads.filter((l) => l.upto > 0));
    return this.fileIsFull();
  }

  private async confirm(label: string, confirmations: Confirmation[]): Promise<void> {
    if (confirmations.length === 0) return;
    this.confirmations.sent += confirmations.length;
    this.confirmations.ok += await confirmArchived(this.env, confirmations, label);
  }

  /** An old shard's waiting hand-overs come into memory (without seq: they were deduplicated when they came). */
  private loadLegacy(): void {
    const handOvers = this.store.legacyHandOvers();
    for (const { leadId, rows } of handOvers) {
      this.buffer.add(leadId, 0, rows.map((row) => ({ row })));
      for (const row of rows) this.legacy.add(row);
    }
    if (this.legacy.size === 0) this.store.dropLegacy();
    else this.ctx.waitUntil(this.alarmClock.setNoLaterThan(Date.now()));
  }

  /** Takes a file's rows off the legacy set; answers whether the last of them is now in a file. */
  private legacyDone(batch: FileBatch): boolean {
    if (this.legacy.size === 0) return false;
    for (const row of batch.rows) this.legacy.delete(row);
    return this.legacy.size === 0;
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

  /** Rewrites the day's manifest of this shard from its written files (and `adding`, the file being written). */
  private async putManifest(namespaceId: string, shard: number, date: string, adding?: ArchiveFile): Promise<void> {
    const files = [...this.store.writtenFilesOf(date).filter((f) => f.seq !== adding?.seq), ...(adding ? [adding] : [])];
    const key = manifestKey(namespaceId, date, shard);
    if (files.length === 0) await this.env.ARCHIVE.delete(key);
    else
      await this.env.ARCHIVE.put(key, JSON.stringify(manifestOf(namespaceId, date, shard, files, Date.now())), {
        httpMetadata: { contentType: "application/json" },
      });
  }

  private fileIsFull(): boolean {
    return this.buffer.rows >= this.fileRows() || this.buffer.bytes >= FILE_MAX_BYTES;
  }

  private gatherMs(): number {
    return config(this.env).archive.gatherMs;
  }

  private fileRows(): number {
    return config(this.env).archive.fileRows;
  }

  private retentionCheckMs(): number {
    return config(this.env).archive.retentionCheckMs;
  }
}

/** A file's messageId range and first/last timestamp. */
function spanOf(rows: readonly ArchiveRow[]): Pick<ArchiveFile, "minMessageId" | "maxMessageId" | "firstAt" | "lastAt"> {
  const ids = rows.map((r) => r.message_id).sort();
  const times = rows.map((r) => r.timestamp);
  return {
    minMessageId: ids[0] ?? null,
    maxMessageId: ids.at(-1) ?? null,
    firstAt: times.length ? times.reduce((a, b) => Math.min(a, b)) : null,
    lastAt: times.length ? times.reduce((a, b) => Math.max(a, b)) : null,
  };
}
