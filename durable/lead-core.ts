/**
 * What every job of a lead object shares: its storage, its one alarm, where
 * it stands in the merge protocol (live, forwarded, erased) and the in-memory
 * marks that tell the alarm's jobs what is left to do. The jobs live in their
 * own modules (lead-ingest, lead-merge, lead-projection, …); LeadObject wires
 * them to its RPC surface.
 */
import { LeadStore } from "./lead-store";

const MAX_HOPS = 16;
/** How long a lead gathers changes before its alarm sends them on (outbox, and summary when due). */
const FLUSH_DELAY_MS = 2_000;
/** A failed job's retry. */
export const RETRY_MS = 5_000;

export class LeadCore {
  readonly store: LeadStore;

  /**
   * Whether the namespace has destinations or automations, as the last ingest
   * call said; until one says otherwise (a fresh activation), assume so.
   * Without them the lead keeps no outbox: events and changes are not queued
   * for anyone.
   */
  deliveries = true;
  /** The outbox is kept for the event archive alone: batches go straight to the archive shard (durable/outbox.ts). */
  archiveOnly = false;
  /** Whether the projection may not show the lead as it is; a fresh activation assumes so. */
  projectionDirty = true;
  /** Before this time a changed lead holds its summary back (it sent one recently). */
  projectionDueAt = 0;
  /** Bumped by every change, so a projection flush knows whether a change slipped in while it sent. */
  changeGeneration = 0;
  /** Bumped when identities may need linking or indexing; settled up to `settledGeneration`. */
  identityGeneration = 1;
  settledGeneration = 0;

  private alarmAt: number | null | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    /** The object's env, read at each use. */
    readonly env: () => Env,
  ) {
    this.store = new LeadStore(ctx.storage.sql);
  }

  /** This lead's id (a hex Durable Object id). */
  get id(): string {
    return this.ctx.id.toString();
  }

  transact<T>(work: () => T): T {
    try {
      return this.ctx.storage.transactionSync(work);
    } catch (error) {
      this.store.forgetCaches();
      throw error;
    }
  }

  waitUntil(promise: Promise<unknown>): void {
    this.ctx.waitUntil(promise);
  }

  /** Makes the one alarm run at `at` unless it is already set to run sooner. */
  async scheduleAlarm(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /** The alarm started: it is no longer set. */
  alarmStarted(): void {
    this.alarmAt = null;
  }

  async deleteAlarm(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    this.alarmAt = null;
  }

  /**
   * When the alarm should next run for a change made at `now`: soon when
   * the outbox has deliveries to send, else when the summary is due (a
   * lead that keeps changing sends it at most once per PROJECTION_INTERVAL_SECONDS).
   */
  flushAt(now: number): number {
    const soon = now + FLUSH_DELAY_MS;
    return this.deliveries ? soon : Math.max(soon, this.projectionDueAt);
  }

  forwardTo(): string | undefined {
    return this.store.meta("forward_to");
  }

  isErased(): boolean {
    return this.store.meta("erased") !== undefined;
  }

  /** Whether this object ever held an event (or took a merge): it has a creation time. */
  isLive(): boolean {
    return this.store.meta("created_at") !== undefined;
  }

  /** Another lead object, by name; `hops` counts the forwards that led here. */
  lead(name: string, hops: number) {
    if (hops >= MAX_HOPS) throw new Error(`forwarding chain longer than ${MAX_HOPS} at ${name}`);
    return this.env().LEAD.getByName(name);
  }
}
