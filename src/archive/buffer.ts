import type { ArchiveRow } from "./rows";

/** A row handed over, with its place in its lead's log (absent only for rows of the old, seq-less hand-over). */
export interface SeqRow {
  seq?: number;
  row: ArchiveRow;
}

/** One lead's part of a file: its first `count` waiting rows, the highest seq among them `upto` (0 when none has one). */
export interface LeadPart {
  leadId: string;
  count: number;
  upto: number;
}

/** The rows a file takes, and which rows of which lead they are. */
export interface FileBatch {
  rows: ArchiveRow[];
  parts: LeadPart[];
}

interface Waiting {
  rows: SeqRow[];
  bytes: number;
  /** The highest seq waiting (or in a file, when the lead's rows were first seen). */
  high: number;
}

/** A row's share of a file's memory: its JSON columns and a little for the rest. */
export const rowBytes = (row: ArchiveRow): number => row.body.length + (row.properties?.length ?? 0) + 200;

/**
 * The rows an archive shard holds in memory until a file takes them (pure:
 * no I/O). Per lead, rows are kept in seq order and deduplicated against a
 * high-water mark: the highest seq waiting, or the highest already in a file
 * (`archivedUpto`, from `lead_files`, passed in by the caller). Leads are
 * kept in the order their first waiting row came, so a file takes the
 * oldest rows first.
 */
export class ArchiveBuffer {
  private readonly leads = new Map<string, Waiting>();
  rows = 0;
  bytes = 0;

  /**
   * Keeps the rows the shard has not taken yet: those with a seq above the
   * lead's high-water mark, and every seq-less row. Answers how many were
   * kept and whether some were already in a file (the lead should hear so).
   */
  add(leadId: string, archivedUpto: number, incoming: readonly SeqRow[]): { added: number; alreadyArchived: boolean } {
    let waiting = this.leads.get(leadId);
    let high = Math.max(waiting?.high ?? 0, archivedUpto);
    let added = 0;
    let alreadyArchived = false;
    for (const item of incoming) {
      if (item.seq !== undefined) {
        if (item.seq <= archivedUpto) alreadyArchived = true;
        if (item.seq <= high) continue;
        high = item.seq;
      }
      if (!waiting) this.leads.set(leadId, (waiting = { rows: [], bytes: 0, high }));
      const bytes = rowBytes(item.row);
      waiting.rows.push(item);
      waiting.bytes += bytes;
      this.rows++;
      this.bytes += bytes;
      added++;
    }
    if (waiting) waiting.high = high;
    return { added, alreadyArchived };
  }

  /** The rows of one file: whole leads, oldest first, up to `maxRows` and `maxBytes` (a lead too big for one file is split). */
  take(maxRows: number, maxBytes: number): FileBatch {
    const batch: FileBatch = { rows: [], parts: [] };
    let bytes = 0;
    for (const [leadId, waiting] of this.leads) {
      let count = 0;
      let upto = 0;
      for (const { seq, row } of waiting.rows) {
        const size = rowBytes(row);
        if (batch.rows.length > 0 && (batch.rows.length >= maxRows || bytes + size > maxBytes)) break;
        batch.rows.push(row);
        bytes += size;
        count++;
        if (seq !== undefined) upto = seq;
      }
      if (count > 0) batch.parts.push({ leadId, count, upto });
      if (count < waiting.rows.length) break;
    }
    return batch;
  }

  /** A file took these rows: they leave memory (rows that came meanwhile stay). */
  remove(parts: readonly LeadPart[]): void {
    for (const { leadId, count } of parts) {
      const waiting = this.leads.get(leadId);
      if (!waiting) continue; // erased meanwhile
      const gone = waiting.rows.splice(0, count);
      const bytes = gone.reduce((n, r) => n + rowBytes(r.row), 0);
      waiting.bytes -= bytes;
      this.rows -= gone.length;
      this.bytes -= bytes;
      if (waiting.rows.length === 0) this.leads.delete(leadId);
    }
  }

  /** Erasure: the lead's rows leave memory at once. */
  drop(leadId: string): void {
    const waiting = this.leads.get(leadId);
    if (!waiting) return;
    this.rows -= waiting.rows.length;
    this.bytes -= waiting.bytes;
    this.leads.delete(leadId);
  }

  /** The highest seq of the lead the shard holds, in memory or (`archivedUpto`) in a file. */
  highOf(leadId: string, archivedUpto: number): number {
    return Math.max(this.leads.get(leadId)?.high ?? 0, archivedUpto);
  }

  /** Rows waiting of one lead (tests and stats). */
  waitingOf(leadId: string): number {
    return this.leads.get(leadId)?.rows.length ?? 0;
  }
}
