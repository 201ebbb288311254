/**
 * The lead's part of the event archive. Rows after the archive cursor go to
 * the lead's archive shard (durable/archive-object.ts), which holds them in
 * memory until their Parquet file is in R2 and then tells the lead how far
 * its log is archived (`archived`). A hand-over not confirmed within the
 * confirm timeout (the shard may have lost it with an eviction) is made again
 * from the cursor; the shard recognises the rows it already filed by their
 * seq, for good (its `lead_files`). So the lead keeps the cursor in memory and
 * writes it only once it is ARCHIVE_CURSOR_SAVE_ROWS past the saved one (or
 * before rows are deleted): a fresh activation hands at most that many rows
 * over again, which the shard confirms without filing them twice. When
 * ARCHIVE_SHARDS changed, the lead's new shard knows none of them: with
 * ARCHIVE_SHARDS_PREVIOUS set, a moved lead first asks its old shard how far
 * it filed the lead (once per activation).
 *
 * Rows wait in the log for ARCHIVE_GATHER_MS after the alarm first finds
 * them owed (or until a full hand-over's worth waits), as they then wait in
 * the shard for its file: a lead hands its rows over about once per interval
 * rather than once per event, one RPC and one confirmation for all of them.
 */
import type { LeadSnapshot } from "../src/destinations/types";
import { archiveBatch } from "../src/archive/hand-over";
import { archiveOn, archiveShardName, archiveShardOf } from "../src/archive/shards";
import { shardOf } from "../src/destinations/shards";
import { eventItem, fitting } from "./lead-items";
import type { LeadStore } from "./lead-store";
import { config } from "../src/config";

/** Rows and bytes per hand-over (an RPC takes up to 32 MiB), and hand-overs per alarm run. */
const ARCHIVE_BATCH_ROWS = 500;
const ARCHIVE_BATCH_BYTES = 4 * 1024 * 1024;
const HAND_OVERS_PER_RUN = 8;
/** How far the archive cursor may run ahead of its saved value (rows a fresh activation hands over again). */
export const ARCHIVE_CURSOR_SAVE_ROWS = 50;

export class LeadArchive {
  /** How far rows were handed over in this activation, and when. */
  private sentUpto = 0;
  private sentAt = 0;
  /** Whether this activation asked the lead's shard under ARCHIVE_SHARDS_PREVIOUS (or needn't). */
  private askedPreviousShard = false;
  /** When the rows owed now are handed over (undefined: none waits). */
  private dueAt: number | undefined;

  constructor(
    private readonly store: LeadStore,
    /** The lead's env, read at each use. */
    private readonly env: () => Env,
  ) {}

  /** Whether the deployment archives events at all. */
  on(): boolean {
    return archiveOn(this.env());
  }

  /** The rows the archive is owed nothing beyond (all of them while it is off). */
  caughtUpTo(): number {
    return this.on() ? this.store.meta.archiveCursor() : this.store.log.topSeq();
  }

  /** Hands over the rows not yet handed over (again from the cursor once the confirmation is overdue); answers whether rows are left. */
  async flush(namespaceId: string, leadId: string, snapshot: () => LeadSnapshot, now = Date.now()): Promise<boolean> {
    if (!this.on()) return false;
    await this.catchUpWithPreviousShard(namespaceId, leadId);
    const cursor = this.store.meta.archiveCursor();
    const overdue = this.sentUpto > cursor && now - this.sentAt >= this.confirmTimeoutMs();
    let from = overdue ? cursor : Math.max(cursor, this.sentUpto);
    if (!overdue && !this.due(from, now)) return false;
    this.dueAt = undefined;
    let lead: LeadSnapshot | undefined;
    for (let run = 0; run < HAND_OVERS_PER_RUN; run++) {
      const rows = fitting(this.store.log.owedAfter(from, ARCHIVE_BATCH_ROWS), ARCHIVE_BATCH_BYTES);
      if (rows.length === 0) return false;
      lead ??= snapshot();
      await archiveBatch(this.env(), namespaceId, leadId, rows.map((row) => eventItem(row, lead!)), from > cursor ? from : undefined);
      from = rows.at(-1)!.seq;
      this.sentUpto = from;
      this.sentAt = Date.now();
    }
    return this.store.log.owedAfter(from, 1).length > 0;
  }

  /** Whether the rows after `from` are to be handed over now (see above); the first look at them starts their wait. */
  private due(from: number, now: number): boolean {
    const owed = this.store.log.owedCount(from);
    if (owed === 0) {
      this.dueAt = undefined;
      return false;
    }
    if (owed >= ARCHIVE_BATCH_ROWS) return true;
    this.dueAt ??= now + config(this.env()).archive.gatherMs;
    return this.dueAt <= now;
  }

  /** After a change of ARCHIVE_SHARDS: how far the lead's shard under the previous count filed it (see above). */
  private async catchUpWithPreviousShard(namespaceId: string, leadId: string): Promise<void> {
    if (this.askedPreviousShard) return;
    const env = this.env();
    const previous = config(env).archive.previousShards;
    if (previous > 0 && shardOf(leadId, previous) !== archiveShardOf(env, leadId)) {
      const { archivedUpto } = await env.ARCHIVE_SHARD.getByName(archiveShardName(namespaceId, shardOf(leadId, previous))).leadState(leadId);
      if (archivedUpto > this.store.meta.archiveCursor()) this.store.meta.setArchiveCursor(archivedUpto, "now");
    }
    this.askedPreviousShard = true;
  }

  /** The shard filed the lead's rows up to `upto`. */
  archived(upto: number): void {
    if (upto <= this.store.meta.archiveCursor()) return;
    const saved = Number(this.store.meta.saved("archive_cursor") ?? "0");
    this.store.meta.setArchiveCursor(upto, upto - saved >= ARCHIVE_CURSOR_SAVE_ROWS ? "now" : "memory");
  }

  /** When the alarm should look again: when waiting rows are due, or the confirmation's deadline while one is awaited. */
  nextAlarmAt(): number | undefined {
    if (!this.on()) return undefined;
    const confirmBy = this.sentUpto > this.store.meta.archiveCursor() ? this.sentAt + this.confirmTimeoutMs() : undefined;
    if (confirmBy === undefined || this.dueAt === undefined) return confirmBy ?? this.dueAt;
    return Math.min(confirmBy, this.dueAt);
  }

  /** A file is written within ARCHIVE_GATHER_MS of a hand-over; three of those (at least a minute) without word means it was lost. */
  private confirmTimeoutMs(): number {
    return Math.max(60_000, 3 * config(this.env()).archive.gatherMs);
  }
}
