import type { ArchiveFile } from "../contracts/shard-rows";

/** What `ns=…/date=…/_manifest/<shard>.json` holds: one shard's files of one day. */
export interface Manifest {
  namespaceId: string;
  date: string;
  shard: number;
  rows: number;
  files: { key: string; rows: number; bytes: number; minMessageId: string | null; maxMessageId: string | null; firstAt: string | null; lastAt: string | null; writtenAt: string | null }[];
  updatedAt: string;
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

export function manifestOf(namespaceId: string, date: string, shard: number, files: readonly ArchiveFile[], now: number): Manifest {
  return {
    namespaceId,
    date,
    shard,
    rows: files.reduce((n, f) => n + f.rows, 0),
    files: files.map((f) => ({
      key: f.key,
      rows: f.rows,
      bytes: f.bytes,
      minMessageId: f.minMessageId,
      maxMessageId: f.maxMessageId,
      firstAt: iso(f.firstAt),
      lastAt: iso(f.lastAt),
      writtenAt: iso(f.writtenAt),
    })),
    updatedAt: new Date(now).toISOString(),
  };
}
