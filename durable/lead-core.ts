/**
 * What every job of a lead object shares: its storage, its one alarm, where
 * it stands in the merge protocol (live, forwarded, erased) and the in-memory
 * marks that tell the alarm's jobs what is left to do. The jobs live in their
 * own modules (lead-ingest, lead-merge, lead-projection, …); LeadObject wires
 * them to its RPC surface.
 */
import { LeadStore } from "./lead-store";
import { SoonestAlarm } from "./alarm";
import { config } from "../src/config";

const MAX_HOPS = 16;
/** How long a lead gathers changes before its alarm sends them on (outbox, and summary when due). */
const FLUSH_DELAY_MS = 2_000;
/** Meta key set once the projection has taken the lead's first summary. */
export const PROJECTED = "projected";
/** A failed job's retry. */
export const RETRY_MS = 5_000;

export class LeadCore {
  readonly store: LeadStore;

  /**
   * Whether the namespace has destinations or automations, as the last ingest
   * call said; until one says otherwise (a fresh activation), assume so.
   * It decides how soon a change is sent on (durable/outbox.ts keeps what is owed).
   */
  deliveries = true;
  /** Whether the projection may not show the lead as it is; a fresh activation assumes so. */
  projectionDirty = true;
  /** Before this time a changed lead holds its summary back (it sent one recently). */
  projectionDueAt = 0;
  /** Bumped by every change, so a projection flush knows whether a change slipped in while it sent. */
  changeGeneration = 0;
  /** Bumped when identities may need linking or indexing; settled up to `settledGeneration`. */
  identityGeneration = 1;
  settledGeneration = 0;

  private readonly alarm: SoonestAlarm;

  constructor(
    private readonly ctx: DurableObjectState,
    /** The object's env, read at each use. */
    readonly env: () => Env,
  ) {
    this.store = new LeadStore(ctx.storage.sql);
    this.alarm = new SoonestAlarm(ctx.storage);
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
    await this.alarm.setNoLaterThan(at);
  }

  /** The alarm started: it is no longer set. */
  alarmStarted(): void {
    this.alarm.started();
  }

  async deleteAlarm(): Promise<void> {
    await this.alarm.delete();
  }

  /**
   * When the alarm should next run for a change made at `now`: soon when
   * the outbox has deliveries to send, else when the summary is due (the
   * archive takes the lead's rows then: its shard gathers for a minute anyway). A lead
   * that keeps changing sends it at most once per PROJECTION_INTERVAL_SECONDS;
   * a lead new to the projection sends it soon, so it shows in lists at
   * once; a lead already there gathers a burst of changes for an interval
   * and sends them in one summary, rather than one soon and one an interval
   * later (most sessions are such bursts; each summary is an alarm run, a
   * queue message and a D1 row).
   */
  flushAt(now: number): number {
    const soon = now + FLUSH_DELAY_MS;
    if (this.deliveries) return soon;
    const gathered = this.store.meta.get(PROJECTED) === undefined ? 0 : now + this.projectionIntervalMs();
    return Math.max(soon, this.projectionDueAt, gathered);
  }

  /** The interval between a busy lead's summaries, jittered (±20%) so leads that got busy together spread out. */
  projectionIntervalMs(): number {
    return config(this.env()).projectionIntervalMs * (0.8 + 0.4 * Math.random());
  }

  forwardTo(): string | undefined {
    return this.store.meta.get("forward_to");
  }

  isErased(): boolean {
    return this.store.meta.get("erased") !== undefined;
  }

  /** Whether this object ever held an event (or took a merge): it has a creation time. */
  isLive(): boolean {
    return this.store.meta.get("created_at") !== undefined;
  }

  /** Another lead object, by name; `hops` counts the forwards that led here. */
  lead(name: string, hops: number) {
    if (hops >= MAX_HOPS) throw new Error(`forwarding chain longer than ${MAX_HOPS} at ${name}`);
    return this.env().LEAD.getByName(name);
  }
}
