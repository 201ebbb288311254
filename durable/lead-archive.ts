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
 * While the lead is sure to run its alarm again within ARCHIVE_GATHER_MS to
 * save its delivery cursor (a save is due then, or a batch handed over lately
 * awaits its destinations' word, whose confirmation schedules one), its rows
 * wait for that run (at once when a full hand-over's worth waits): a lead
 * delivering an event every few seconds hands its rows to the archive about
 * once a minute, one RPC and one confirmation for all of them, instead of
 * once per flush. A lead with nothing else to run for hands them over at
 * once: waking an idle lead only for the archive costs more than the call.
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

  /**
   * Hands over the rows not yet handed over (again from the cursor once the
   * confirmation is overdue), unless `runsAgain` (the lead's alarm runs again
   * soon to save its delivery cursor) and fewer than a full hand-over wait;
   * answers whether rows are left for a run now.
   */
  async flush(namespaceId: string, leadId: string, snapshot: () => LeadSnapshot, runsAgain: boolean, now = Date.now()): Promise<boolean> {
    if (!this.on()) return false;
    await this.catchUpWithPreviousShard(namespaceId, leadId);
    const cursor = this.store.meta.archiveCursor();
    const overdue = this.sentUpto > cursor && now - this.sentAt >= this.confirmTimeoutMs();
    let from = overdue ? cursor : Math.max(cursor, this.sentUpto);
    if (!overdue && runsAgain && this.store.log.owedCount(from) < ARCHIVE_BATCH_ROWS) return false;
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

  /** When the alarm should look again: the confirmation's deadline while one is awaited. */
  nextAlarmAt(): number | undefined {
    return this.on() && this.sentUpto > this.store.meta.archiveCursor() ? this.sentAt + this.confirmTimeoutMs() : undefined;
  }

  /** A file is written within ARCHIVE_GATHER_MS of a hand-over; three of those (at least a minute) without word means it was lost. */
  private confirmTimeoutMs(): number {
    return Math.max(60_000, 3 * config(this.env()).archive.gatherMs);
  }
}
