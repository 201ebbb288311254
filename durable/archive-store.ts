import type { ArchiveRow } from "../src/archive/rows";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS seen_0 (message_id TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS seen_1 (message_id TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY, lead_id TEXT NOT NULL, rows TEXT NOT NULL, n INTEGER NOT NULL, bytes INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    date TEXT NOT NULL,
    upto INTEGER NOT NULL,
    rows INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    min_message_id TEXT,
    max_message_id TEXT,
    first_at INTEGER,
    last_at INTEGER,
    written_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS files_by_date ON files (date);
  CREATE TABLE IF NOT EXISTS lead_files (lead_id TEXT NOT NULL, file_seq INTEGER NOT NULL, PRIMARY KEY (lead_id, file_seq)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS erased (lead_id TEXT PRIMARY KEY, at INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0);`;

/** A file of the shard: `writtenAt` null until it is in the bucket. */
export interface ArchiveFile {
  seq: number;
  key: string;
  date: string;
  rows: number;
  bytes: number;
  minMessageId: string | null;
  maxMessageId: string | null;
  firstAt: number | null;
  lastAt: number | null;
  writtenAt: number | null;
}

interface FileRow extends Record<string, SqlStorageValue> {
  seq: number;
  key: string;
  date: string;
  upto: number;
  rows: number;
  bytes: number;
  min_message_id: string | null;
  max_message_id: string | null;
  first_at: number | null;
  last_at: number | null;
  written_at: number | null;
}

const toFile = (r: FileRow): ArchiveFile => ({
  seq: r.seq,
  key: r.key,
  date: r.date,
  rows: r.rows,
  bytes: r.bytes,
  minMessageId: r.min_message_id,
  maxMessageId: r.max_message_id,
  firstAt: r.first_at,
  lastAt: r.last_at,
  writtenAt: r.written_at,
});

/**
 * The SQLite of one archive shard, built to write few rows per event (rows
 * written are what Durable Object storage is billed by; docs/archive.md):
 * - `seen_0` / `seen_1`: the messageIds taken, one row each, no other index.
 *   New ones go to the current table; both are looked up; every
 *   ARCHIVE_SEEN_MS the older table is emptied and becomes the current one,
 *   so a messageId is recognised for at least that long.
 * - `pending`: one row per hand-over (a lead batch's new rows, as JSON) until
 *   the files holding them are in the bucket.
 * - `files`: the shard's files. A flush makes one file of the pending rows up
 *   to id `upto` (the same rows whenever it is retried); once it is written
 *   those pending rows go.
 * - `lead_files`: which files hold which lead's rows, for erasure.
 * - `erased`: leads erased in this namespace; their rows are never written again.
 * Every statement's rows written are added to `rowsWritten` (what the archive costs per event).
 */
export class ArchiveStore {
  rowsWritten = 0;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  private run<T extends Record<string, SqlStorageValue>>(query: string, ...params: SqlStorageValue[]): T[] {
    const cursor = this.sql.exec<T>(query, ...params);
    const rows = cursor.toArray();
    this.rowsWritten += cursor.rowsWritten;
    return rows;
  }

  meta(key: string): string | undefined {
    return this.run<{ value: string }>("SELECT value FROM meta WHERE key = ?", key)[0]?.value;
  }

  setMeta(key: string, value: string): void {
    if (this.meta(key) !== value) this.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  isErased(leadId: string): boolean {
    return this.run("SELECT 1 FROM erased WHERE lead_id = ?", leadId).length > 0;
  }

  private currentSeen(): string {
    return this.meta("seen_current") === "1" ? "seen_1" : "seen_0";
  }

  /** Keeps the rows of one lead's hand-over whose messageId the shard has not seen; answers how many. */
  add(leadId: string, rows: readonly ArchiveRow[]): number {
    const current = this.currentSeen();
    const older = current === "seen_0" ? "seen_1" : "seen_0";
    const fresh: ArchiveRow[] = [];
    for (const row of rows) {
      if (this.run(`SELECT 1 FROM ${older} WHERE message_id = ?`, row.message_id).length > 0) continue;
      const before = this.rowsWritten;
      this.run(`INSERT INTO ${current} (message_id) VALUES (?) ON CONFLICT DO NOTHING`, row.message_id);
      if (this.rowsWritten > before) fresh.push(row);
    }
    if (fresh.length > 0) {
      const json = JSON.stringify(fresh);
      this.run("INSERT INTO pending (lead_id, rows, n, bytes) VALUES (?, ?, ?, ?)", leadId, json, fresh.length, json.length);
    }
    return fresh.length;
  }

  /** Empties the older seen table and makes it the current one, when the current one is `maxAgeMs` old. */
  rotateSeen(now: number, maxAgeMs: number): void {
    const startedAt = Number(this.meta("seen_started_at") ?? "0");
    if (startedAt === 0) return this.setMeta("seen_started_at", String(now));
    if (now - startedAt < maxAgeMs) return;
    const next = this.currentSeen() === "seen_0" ? "seen_1" : "seen_0";
    this.run(`DELETE FROM ${next}`);
    this.setMeta("seen_current", next === "seen_1" ? "1" : "0");
    this.setMeta("seen_started_at", String(now));
  }

  pendingCount(): number {
    return this.run<{ n: number | null }>("SELECT SUM(n) AS n FROM pending")[0]!.n ?? 0;
  }

  /**
   * Starts a flush when none is unfinished: the oldest pending hand-overs up
   * to `maxRows` rows (or `maxBytes`) go into one file of day `date` (the day
   * they are archived). Answers the files made (0 or 1).
   */
  assignFiles(date: string, key: (date: string, seq: number) => string, maxRows: number, maxBytes: number): number {
    if (this.run("SELECT 1 FROM files WHERE written_at IS NULL LIMIT 1").length > 0) return 0;
    let upto = 0;
    let rows = 0;
    let bytes = 0;
    for (const p of this.run<{ id: number; n: number; bytes: number }>("SELECT id, n, bytes FROM pending ORDER BY id")) {
      if (upto > 0 && (rows + p.n > maxRows || bytes + p.bytes > maxBytes)) break;
      upto = p.id;
      rows += p.n;
      bytes += p.bytes;
    }
    if (upto === 0) return 0;
    const seq = Number(this.meta("next_seq") ?? "1");
    this.run("INSERT INTO files (seq, key, date, upto, rows) VALUES (?, ?, ?, ?, ?)", seq, key(date, seq), date, upto, rows);
    const leads = this.run<{ lead_id: string }>("SELECT DISTINCT lead_id FROM pending WHERE id <= ?", upto);
    for (const { lead_id } of leads) this.run("INSERT INTO lead_files (lead_id, file_seq) VALUES (?, ?) ON CONFLICT DO NOTHING", lead_id, seq);
    this.setMeta("next_seq", String(seq + 1));
    return 1;
  }

  /** The flush in progress: its file (one per flush), not yet in the bucket. */
  unwrittenFiles(): (ArchiveFile & { upto: number })[] {
    return this.run<FileRow>("SELECT * FROM files WHERE written_at IS NULL ORDER BY seq").map((r) => ({ ...toFile(r), upto: r.upto }));
  }

  /** The pending rows of hand-overs up to id `upto`, leaving out erased leads. */
  pendingRows(upto: number): ArchiveRow[] {
    const erased = this.erasedLeadIds();
    return this.run<{ lead_id: string; rows: string }>("SELECT lead_id, rows FROM pending WHERE id <= ? ORDER BY id", upto)
      .filter((p) => !erased.has(p.lead_id))
      .flatMap((p) => JSON.parse(p.rows) as ArchiveRow[]);
  }

  /** The file is in the bucket (or had no rows left: it is forgotten). */
  fileWritten(file: Omit<ArchiveFile, "key" | "date">): void {
    if (file.rows === 0) {
      this.run("DELETE FROM files WHERE seq = ?", file.seq);
      this.run("DELETE FROM lead_files WHERE file_seq = ?", file.seq);
      return;
    }
    this.run(
      "UPDATE files SET rows = ?, bytes = ?, min_message_id = ?, max_message_id = ?, first_at = ?, last_at = ?, written_at = ? WHERE seq = ?",
      file.rows,
      file.bytes,
      file.minMessageId,
      file.maxMessageId,
      file.firstAt,
      file.lastAt,
      file.writtenAt,
      file.seq,
    );
  }

  /** Every file of the flush is written: its hand-overs go. */
  flushDone(upto: number): void {
    this.run("DELETE FROM pending WHERE id <= ?", upto);
  }

  writtenFilesOf(date: string): ArchiveFile[] {
    return this.run<FileRow>("SELECT * FROM files WHERE date = ? AND written_at IS NOT NULL ORDER BY seq", date).map(toFile);
  }

  /** Marks leads erased and drops their hand-overs not yet in a flush. */
  erase(leadIds: readonly string[], now: number): void {
    const flushing = this.run<{ upto: number | null }>("SELECT MAX(upto) AS upto FROM files WHERE written_at IS NULL")[0]?.upto ?? 0;
    for (const leadId of leadIds) {
      this.run("INSERT INTO erased (lead_id, at) VALUES (?, ?) ON CONFLICT (lead_id) DO UPDATE SET done = 0", leadId, now);
      // Hand-overs of a flush in progress stay (its files are rewritten from them, without erased leads).
      this.run("DELETE FROM pending WHERE lead_id = ? AND id > ?", leadId, flushing);
    }
  }

  /** Erased leads whose written files may still hold their rows, oldest first. */
  pendingErasures(): string[] {
    return this.run<{ lead_id: string }>("SELECT lead_id FROM erased WHERE done = 0 ORDER BY at").map((r) => r.lead_id);
  }

  /** The written files holding rows of this lead. */
  filesOfLead(leadId: string, limit: number): ArchiveFile[] {
    return this.run<FileRow>(
      "SELECT f.* FROM lead_files l JOIN files f ON f.seq = l.file_seq WHERE l.lead_id = ? AND f.written_at IS NOT NULL ORDER BY f.seq LIMIT ?",
      leadId,
      limit,
    ).map(toFile);
  }

  /** A file rewritten without erased leads' rows (deleted when none were left). */
  fileRewritten(seq: number, rows: number, bytes: number, leadIds: readonly string[]): void {
    if (rows === 0) {
      this.run("DELETE FROM files WHERE seq = ?", seq);
      this.run("DELETE FROM lead_files WHERE file_seq = ?", seq);
      return;
    }
    this.run("UPDATE files SET rows = ?, bytes = ? WHERE seq = ?", rows, bytes, seq);
    for (const leadId of leadIds) this.run("DELETE FROM lead_files WHERE lead_id = ? AND file_seq = ?", leadId, seq);
  }

  erasureDone(leadId: string): void {
    this.run("UPDATE erased SET done = 1 WHERE lead_id = ?", leadId);
  }

  erasedLeadIds(): Set<string> {
    return new Set(this.run<{ lead_id: string }>("SELECT lead_id FROM erased").map((r) => r.lead_id));
  }

  /** Written files holding rows older than `cutoff` (retention), oldest first. */
  filesBefore(cutoff: number, limit: number): ArchiveFile[] {
    return this.run<FileRow>("SELECT * FROM files WHERE first_at < ? AND written_at IS NOT NULL ORDER BY seq LIMIT ?", cutoff, limit).map(toFile);
  }

  /** A file rewritten by retention without its expired rows. */
  fileTrimmed(seq: number, rows: number, bytes: number, firstAt: number): void {
    this.run("UPDATE files SET rows = ?, bytes = ?, first_at = ? WHERE seq = ?", rows, bytes, firstAt, seq);
  }

  /** Forgets files deleted by retention, then their lead index (one scan, not one per file). */
  forgetFiles(seqs: readonly number[]): void {
    for (const seq of seqs) this.run("DELETE FROM files WHERE seq = ?", seq);
    this.run("DELETE FROM lead_files WHERE file_seq NOT IN (SELECT seq FROM files)");
  }

  hasFiles(): boolean {
    return this.run("SELECT 1 FROM files LIMIT 1").length > 0;
  }

  counts(): { pending: number; seen: number; files: number } {
    const [row] = this.run<{ seen: number; files: number }>(
      "SELECT (SELECT COUNT(*) FROM seen_0) + (SELECT COUNT(*) FROM seen_1) AS seen, (SELECT COUNT(*) FROM files) AS files",
    );
    return { pending: this.pendingCount(), ...row! };
  }
}

