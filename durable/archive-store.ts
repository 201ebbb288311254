import type { ArchiveRow } from "../src/archive/rows";
import type { ArchiveFile } from "../src/contracts/shard-rows";
export type { ArchiveFile };
import { StoredJson } from "../src/stored-json";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    date TEXT NOT NULL,
    upto INTEGER NOT NULL DEFAULT 0,
    rows INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    min_message_id TEXT,
    max_message_id TEXT,
    first_at INTEGER,
    last_at INTEGER,
    written_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS files_by_date ON files (date);
  CREATE TABLE IF NOT EXISTS lead_files (lead_id TEXT NOT NULL, file_seq INTEGER NOT NULL, upto INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (lead_id, file_seq)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS erased (lead_id TEXT PRIMARY KEY, at INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0);`;

/** The tables of the shard before issue 27 (hand-overs and seen messageIds as rows): read once, then dropped. */
const LEGACY_TABLES = ["pending", "seen_0", "seen_1"] as const;
/** A hand-over's rows in the old `pending` table. */
const legacyRowsJson = new StoredJson<ArchiveRow[]>();

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

/** One lead's rows in a file and the highest seq among them (0: rows of the old hand-over, without seq). */
export interface LeadInFile {
  leadId: string;
  upto: number;
}

/**
 * The SQLite of one archive shard, built to write few rows per event (rows
 * written are what Durable Object storage is billed by; docs/archive.md).
 * Nothing is written per event or per hand-over: rows wait in memory
 * (src/archive/buffer.ts) until a file takes them. Per file:
 * - `files`: the shard's files. A file's row is made (key fixed) before it
 *   is put, and completed when it is in the bucket; a put that did not
 *   complete is put again under the same key.
 * - `lead_files`: which files hold which lead's rows (erasure), and the
 *   highest seq of the lead in each (`upto`: what the shard has archived of
 *   that lead, so rows handed over again are recognised).
 * - `erased`: leads erased in this namespace; their rows are never written again.
 * Every statement's rows written are added to `rowsWritten` (what the archive costs per event).
 */
export class ArchiveStore {
  rowsWritten = 0;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    // A shard made before lead_files had `upto` gets the column (0: nothing archived by seq).
    if (!sql.exec<{ name: string }>("PRAGMA table_info(lead_files)").toArray().some((c) => c.name === "upto"))
      sql.exec("ALTER TABLE lead_files ADD COLUMN upto INTEGER NOT NULL DEFAULT 0");
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

  /** The highest seq of the lead already in a file (0: none). */
  archivedUpto(leadId: string): number {
    return this.run<{ upto: number | null }>("SELECT MAX(upto) AS upto FROM lead_files WHERE lead_id = ?", leadId)[0]?.upto ?? 0;
  }

  /**
   * The file the next rows go to: the one made but not written (a put that
   * did not complete: the same key again), or a new one of day `date`.
   */
  openFile(date: string, key: (date: string, seq: number) => string): ArchiveFile {
    const [unwritten] = this.run<FileRow>("SELECT * FROM files WHERE written_at IS NULL ORDER BY seq LIMIT 1");
    if (unwritten) return toFile(unwritten);
    const seq = Number(this.meta("next_seq") ?? "1");
    this.run("INSERT INTO files (seq, key, date, upto) VALUES (?, ?, ?, 0)", seq, key(date, seq), date);
    this.setMeta("next_seq", String(seq + 1));
    return { seq, key: key(date, seq), date, rows: 0, bytes: 0, minMessageId: null, maxMessageId: null, firstAt: null, lastAt: null, writtenAt: null };
  }

  /** The file is in the bucket: its figures, and the leads it holds with their highest seq. */
  fileWritten(file: Omit<ArchiveFile, "key" | "date">, leads: readonly LeadInFile[]): void {
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
    for (const { leadId, upto } of leads)
      this.run(
        "INSERT INTO lead_files (lead_id, file_seq, upto) VALUES (?, ?, ?) ON CONFLICT (lead_id, file_seq) DO UPDATE SET upto = MAX(upto, excluded.upto)",
        leadId,
        file.seq,
        upto,
      );
  }

  /** The hand-overs an old shard (before issue 27) still held as rows, oldest first; none when it never had them. */
  legacyHandOvers(): { leadId: string; rows: ArchiveRow[] }[] {
    if (this.run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pending'").length === 0) return [];
    return this.run<{ lead_id: string; rows: string }>("SELECT lead_id, rows FROM pending ORDER BY id").map((p) => ({ leadId: p.lead_id, rows: legacyRowsJson.parse(p.rows) }));
  }

  /** The old tables go once their rows are in files. */
  dropLegacy(): void {
    for (const table of LEGACY_TABLES) this.run(`DROP TABLE IF EXISTS ${table}`);
  }

  writtenFilesOf(date: string): ArchiveFile[] {
    return this.run<FileRow>("SELECT * FROM files WHERE date = ? AND written_at IS NOT NULL ORDER BY seq", date).map(toFile);
  }

  /** Marks leads erased: their rows are never written again, and the files holding them are rewritten. */
  erase(leadIds: readonly string[], now: number): void {
    for (const leadId of leadIds) this.run("INSERT INTO erased (lead_id, at) VALUES (?, ?) ON CONFLICT (lead_id) DO UPDATE SET done = 0", leadId, now);
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

  /**
   * Forgets files deleted by retention, then their lead index (one scan, not
   * one per file), except each lead's highest `upto`: the shard still knows
   * how far the lead is archived (its cursor) when all its files are gone.
   */
  forgetFiles(seqs: readonly number[]): void {
    for (const seq of seqs) this.run("DELETE FROM files WHERE seq = ?", seq);
    this.run(
      `DELETE FROM lead_files WHERE file_seq NOT IN (SELECT seq FROM files)
         AND (upto = 0 OR upto < (SELECT MAX(l.upto) FROM lead_files l WHERE l.lead_id = lead_files.lead_id))`,
    );
  }

  hasFiles(): boolean {
    return this.run("SELECT 1 FROM files LIMIT 1").length > 0;
  }

  counts(): { files: number } {
    return { files: this.run<{ files: number }>("SELECT COUNT(*) AS files FROM files WHERE written_at IS NOT NULL")[0]!.files };
  }
}
