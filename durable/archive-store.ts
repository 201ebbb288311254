import type { ArchiveRow } from "../src/archive/rows";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS rows (
    message_id TEXT PRIMARY KEY,
    lead_id TEXT NOT NULL,
    date TEXT NOT NULL,
    data TEXT,
    file_seq INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rows_by_file ON rows (file_seq);
  CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    date TEXT NOT NULL,
    rows INTEGER NOT NULL,
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
 * The SQLite of one archive shard:
 * - `rows`: every messageId the shard took. A row waits with its data
 *   (`file_seq` null), is assigned to a file, and once the file is in the
 *   bucket keeps only its messageId (the seen-set: a batch handed over again
 *   adds nothing) until the file is older than the seen window.
 * - `files`: the shard's files (what its manifests list), until retention deletes them.
 * - `lead_files`: which files hold which lead's rows, for erasure.
 * - `erased`: leads erased in this namespace; their rows are never written again.
 * Every statement's rows written are added to `rowsWritten` (the cost the archive adds per event).
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

  /** Adds the rows whose messageId the shard has not seen; answers how many. */
  add(rows: readonly ArchiveRow[], dateOf: (row: ArchiveRow) => string): number {
    let added = 0;
    for (const row of rows) {
      const before = this.rowsWritten;
      this.run("INSERT INTO rows (message_id, lead_id, date, data) VALUES (?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING", row.message_id, row.lead_id, dateOf(row), JSON.stringify(row));
      if (this.rowsWritten > before) added++;
    }
    return added;
  }

  pendingCount(): number {
    return this.run<{ n: number }>("SELECT COUNT(*) AS n FROM rows WHERE file_seq IS NULL")[0]!.n;
  }

  /**
   * Gives waiting rows to new files: per day, at most `maxRows` rows or
   * `maxBytes` of row data a file. Answers the files made.
   */
  assignFiles(key: (date: string, seq: number) => string, maxRows: number, maxBytes: number): number {
    const waiting = this.run<{ message_id: string; lead_id: string; date: string; size: number }>(
      "SELECT message_id, lead_id, date, length(data) AS size FROM rows WHERE file_seq IS NULL ORDER BY date",
    );
    let made = 0;
    let seq = Number(this.meta("next_seq") ?? "1");
    let current: { date: string; seq: number; rows: number; bytes: number } | undefined;
    const leads = new Set<string>();
    const close = () => {
      if (!current) return;
      this.run("INSERT INTO files (seq, key, date, rows) VALUES (?, ?, ?, ?)", current.seq, key(current.date, current.seq), current.date, current.rows);
      for (const lead of leads) this.run("INSERT INTO lead_files (lead_id, file_seq) VALUES (?, ?) ON CONFLICT DO NOTHING", lead, current.seq);
      leads.clear();
      made++;
    };
    for (const row of waiting) {
      if (!current || current.date !== row.date || current.rows >= maxRows || current.bytes + row.size > maxBytes) {
        close();
        current = { date: row.date, seq: seq++, rows: 0, bytes: 0 };
      }
      this.run("UPDATE rows SET file_seq = ? WHERE message_id = ?", current.seq, row.message_id);
      current.rows++;
      current.bytes += row.size;
      leads.add(row.lead_id);
    }
    close();
    this.setMeta("next_seq", String(seq));
    return made;
  }

  unwrittenFiles(limit: number): ArchiveFile[] {
    return this.run<FileRow>("SELECT * FROM files WHERE written_at IS NULL ORDER BY seq LIMIT ?", limit).map(toFile);
  }

  /** The rows waiting to be written to a file, leaving out erased leads. */
  rowsOfFile(seq: number): ArchiveRow[] {
    return this.run<{ data: string }>(
      "SELECT data FROM rows WHERE file_seq = ? AND data IS NOT NULL AND lead_id NOT IN (SELECT lead_id FROM erased) ORDER BY message_id",
      seq,
    ).map((r) => JSON.parse(r.data) as ArchiveRow);
  }

  /** The file is in the bucket: its rows keep only their messageIds. */
  fileWritten(file: Omit<ArchiveFile, "key" | "date">): void {
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
    this.run("UPDATE rows SET data = NULL WHERE file_seq = ?", file.seq);
  }

  writtenFilesOf(date: string): ArchiveFile[] {
    return this.run<FileRow>("SELECT * FROM files WHERE date = ? AND written_at IS NOT NULL ORDER BY seq", date).map(toFile);
  }

  /** Marks leads erased and drops their rows not yet in a file. */
  erase(leadIds: readonly string[], now: number): void {
    for (const leadId of leadIds) {
      this.run("INSERT INTO erased (lead_id, at) VALUES (?, ?) ON CONFLICT (lead_id) DO UPDATE SET done = 0", leadId, now);
      this.run("DELETE FROM rows WHERE file_seq IS NULL AND lead_id = ?", leadId);
    }
  }

  /** Erased leads whose written files still hold their rows, oldest first. */
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

  /** Leads (erased ones) that no longer have rows in this file. */
  fileRewritten(seq: number, rows: number, bytes: number, leadIds: readonly string[]): void {
    if (rows === 0) this.run("DELETE FROM files WHERE seq = ?", seq);
    else this.run("UPDATE files SET rows = ?, bytes = ? WHERE seq = ?", rows, bytes, seq);
    for (const leadId of leadIds) this.run("DELETE FROM lead_files WHERE lead_id = ? AND file_seq = ?", leadId, seq);
  }

  erasureDone(leadId: string): void {
    this.run("UPDATE erased SET done = 1 WHERE lead_id = ?", leadId);
  }

  erasedLeadIds(): Set<string> {
    return new Set(this.run<{ lead_id: string }>("SELECT lead_id FROM erased").map((r) => r.lead_id));
  }

  /** Written files of days up to `lastDay` (retention), oldest first. */
  filesUpTo(lastDay: string, limit: number): ArchiveFile[] {
    return this.run<FileRow>("SELECT * FROM files WHERE date <= ? ORDER BY date, seq LIMIT ?", lastDay, limit).map(toFile);
  }

  /** Forgets files (deleted by retention) with their seen rows and lead index. */
  forgetFiles(seqs: readonly number[]): void {
    for (const seq of seqs) {
      this.run("DELETE FROM rows WHERE file_seq = ?", seq);
      this.run("DELETE FROM lead_files WHERE file_seq = ?", seq);
      this.run("DELETE FROM files WHERE seq = ?", seq);
    }
  }

  /** Drops the seen rows of files written before `before`: a batch handed over again after that would be archived twice. */
  pruneSeen(before: number): void {
    this.run("DELETE FROM rows WHERE data IS NULL AND file_seq IN (SELECT seq FROM files WHERE written_at < ?)", before);
  }

  hasFiles(): boolean {
    return this.run("SELECT 1 FROM files LIMIT 1").length > 0;
  }

  counts(): { pending: number; seen: number; files: number } {
    const [row] = this.run<{ pending: number; seen: number; files: number }>(
      "SELECT (SELECT COUNT(*) FROM rows WHERE data IS NOT NULL) AS pending, (SELECT COUNT(*) FROM rows) AS seen, (SELECT COUNT(*) FROM files) AS files",
    );
    return row!;
  }
}
