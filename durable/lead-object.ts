/**
 * LeadObject: one lead's event log, score and identities.
 *
 * The class is the lead's RPC surface and its one alarm; each job lives in
 * its own module under durable/:
 * - lead-core.ts        storage, the alarm, live / forwarded / erased, shared marks
 * - lead-ingest.ts      storing new events, identities, firmographics, profile
 * - lead-scores.ts      scoring config, snapshot, what follows a change
 * - lead-merge.ts       the merge protocol (identity resolution): read it first
 * - outbox.ts           deliveries to destinations and automations (a cursor over the log)
 * - lead-archive.ts     the lead's rows to its archive shard (a cursor over the log)
 * - lead-projection.ts  the summary sent to the D1 projection
 * - lead-decay.ts, lead-retention.ts   the alarm's upkeep of the score and log
 * - lead-enrichment.ts  email lookups and the firmographics they find
 * - lead-privacy.ts     erasure and export
 * - lead-summary.ts, lead-timeline.ts  what the API reads
 * - lead-history.ts     the history the predictive score trains on (src/predict)
 *
 * Every call that finds this object forwarded (merged into another lead)
 * passes it on along the chain, counting hops; an erased object drops events
 * and answers nothing of the lead.
 */
import { DurableObject } from "cloudflare:workers";
import type { LeadEvent } from "../src/ingest/normalize";
import { UNKNOWN_NAMESPACE_STATE, type NamespaceState } from "../src/ingest/namespace-state";
import type { Firmographics } from "../src/scoring/icp";
import type { Intelligence } from "../src/scoring/intelligence";
import type { ScoringConfig } from "../src/scoring/config";
import { countSuppressed } from "../src/db/suppression";
import { migrateLeadSchema } from "./lead-schema";
import { Outbox, type OutboxStatus } from "./outbox";
import { LeadArchive } from "./lead-archive";
import type { BatchReceipt } from "../src/delivery/queue";
import type { Conflict } from "./lead-identities";
import { LeadCore, RETRY_MS } from "./lead-core";
import { LeadScores } from "./lead-scores";
import { storeIngested, type IngestResult } from "./lead-ingest";
import { LeadMerge, type LinkAnswer, type MergePayload } from "./lead-merge";
import { LeadProjection } from "./lead-projection";
import { applyDueDecay, nextDecayAt } from "./lead-decay";
import { applyRetention, nextPruneAt } from "./lead-retention";
import { applyEnrichment } from "./lead-enrichment";
import { erase, exportData, prepareErase, type ErasePlan, type LeadExport } from "./lead-privacy";
import { leadIntelligence, leadSummary, type LeadSummary } from "./lead-summary";
import { timelinePage, type TimelineEntry, type TimelinePage } from "./lead-timeline";
import { leadHistory } from "./lead-history";
import { examplesOf, type Example, type SnapshotPlan } from "../src/predict/examples";
import type { OutcomeDefinition } from "../src/predict/history";
import { snapshotAt, type LeadSnapshot } from "../src/predict/snapshot";
import { config } from "../src/config";

export type { IngestResult, LinkAnswer, MergePayload, ErasePlan, LeadExport, LeadSummary, TimelineEntry, TimelinePage };

/** Moved cursors due within this long of an alarm run are saved in it: saving a little early spares the lead a second run. */
export const CURSOR_SAVE_SLACK_MS = 2_000;

export class LeadObject extends DurableObject<Env> {
  private readonly core: LeadCore;
  private readonly outbox: Outbox;
  private readonly archive: LeadArchive;
  private readonly scores: LeadScores;
  private readonly merge: LeadMerge;
  private readonly projection: LeadProjection;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.core = new LeadCore(ctx, () => this.env);
    this.outbox = new Outbox(this.core.store, () => this.env);
    this.archive = new LeadArchive(this.core.store, () => this.env);
    this.scores = new LeadScores(this.core);
    this.merge = new LeadMerge(this.core, this.scores, () => this.owedThrough() >= this.core.store.log.topSeq());
    this.projection = new LeadProjection(this.core, this.scores);
    // Synchronous, so it is done before the object takes any call (no blockConcurrencyWhile needed).
    migrateLeadSchema(ctx.storage.sql);
  }

  /**
   * Stores the events that are new; answers once they are durable here or in
   * the lead this one forwards to. `namespace` is the namespace as the Worker
   * last saw it: a newer scoring version means reload.
   */
  async ingest(
    namespaceId: string,
    selfName: string,
    events: LeadEvent[],
    namespace: NamespaceState = UNKNOWN_NAMESPACE_STATE,
    hops = 0,
  ): Promise<IngestResult> {
    const { core } = this;
    if (core.isErased()) {
      await countSuppressed(this.env.DB, namespaceId, selfName, events.length);
      return { accepted: 0, duplicates: 0, suppressed: events.length, expired: 0, leadId: core.id, newMessageIds: [] };
    }
    return this.forwardOr(
      hops,
      (survivor, survivorName) => survivor.ingest(namespaceId, survivorName, events, namespace, hops + 1),
      async () => {
        core.deliveries = namespace.deliveries;
        await this.scores.ensureScoring(namespaceId, namespace.scoringVersion);
        const now = Date.now();
        const cutoff = this.scores.retentionCutoff(now);
        const kept = cutoff === null ? events : events.filter((e) => e.timestamp >= cutoff);
        const newMessageIds = storeIngested(core, this.scores, this.outbox, namespaceId, selfName, kept, now);
        const accepted = newMessageIds.length;
        if (accepted > 0) await core.scheduleAlarm(core.flushAt(now));
        await this.merge.settleIdentities();
        return {
          accepted,
          duplicates: kept.length - accepted,
          suppressed: 0,
          expired: events.length - kept.length,
          leadId: core.id,
          newMessageIds,
        };
      },
    );
  }

  /**
   * Passes a call on to the lead this one merged into (one hop further along
   * the chain, under the survivor's name), else serves it here.
   */
  private forwardOr<T>(
    hops: number,
    forward: (survivor: ReturnType<LeadCore["lead"]>, survivorName: string) => Promise<T>,
    serve: () => Promise<T>,
  ): Promise<T> {
    const forwardTo = this.core.forwardTo();
    return forwardTo ? forward(this.core.lead(forwardTo, hops), forwardTo) : serve();
  }

  /** Brings this lead to the namespace's scoring `version` (a rescore job's step, which may hand over the config). */
  async applyScoring(namespaceId: string, version: number, config?: ScoringConfig, hops = 0): Promise<void> {
    return this.forwardOr(hops, (survivor) => survivor.applyScoring(namespaceId, version, config, hops + 1), async () => {
      if (!this.core.isLive() || this.core.isErased()) return;
      await this.scores.ensureScoring(namespaceId, version, config);
    });
  }

  /** Firmographics found by enrichment; they feed the ICP score. */
  async applyEnrichment(firmographics: Firmographics, hops = 0): Promise<void> {
    return this.forwardOr(hops, (survivor) => survivor.applyEnrichment(firmographics, hops + 1), async () => {
      if (!this.core.isLive() || this.core.isErased()) return;
      await applyEnrichment(this.core, this.scores, firmographics);
    });
  }

  async intelligence(hops = 0): Promise<Intelligence | null> {
    return this.forwardOr(hops, (survivor) => survivor.intelligence(hops + 1), async () => {
      if (!this.core.isLive()) return null;
      return leadIntelligence(this.core, this.scores);
    });
  }

  async summary(hops = 0): Promise<LeadSummary | null> {
    return this.forwardOr(hops, (survivor) => survivor.summary(hops + 1), async () => {
      const namespaceId = this.core.store.meta.get("namespace_id");
      if (namespaceId === undefined) return null;
      return leadSummary(this.core, this.scores, namespaceId);
    });
  }

  /** Events and merges in timestamp order; `cursor` is the opaque position after the previous page. */
  async timeline(limit: number, cursor?: string, hops = 0): Promise<TimelinePage> {
    return this.forwardOr(hops, (survivor) => survivor.timeline(limit, cursor, hops + 1), async () => timelinePage(this.core.store, limit, cursor));
  }

  /**
   * The lead's training examples for the predictive score under `plan`
   * (src/predict/examples.ts); null when it is not a live lead of
   * `namespaceId` (erased, merged away, or another namespace's).
   */
  async predictionExamples(namespaceId: string, outcome: OutcomeDefinition, plan: SnapshotPlan): Promise<Example[] | null> {
    if (!this.predictable(namespaceId)) return null;
    return examplesOf(leadHistory(this.core.store, this.core.id), outcome, plan);
  }

  /** The lead as of `at`, for the predictive score; null as for predictionExamples. */
  async predictionSnapshot(namespaceId: string, at: number, hops = 0): Promise<LeadSnapshot | null> {
    return this.forwardOr(hops, (survivor) => survivor.predictionSnapshot(namespaceId, at, hops + 1), async () => {
      if (!this.predictable(namespaceId)) return null;
      return snapshotAt(leadHistory(this.core.store, this.core.id), at);
    });
  }

  private predictable(namespaceId: string): boolean {
    const { core } = this;
    return core.isLive() && !core.isErased() && core.forwardTo() === undefined && core.store.meta.get("namespace_id") === namespaceId;
  }

  /** Asked by a lead linking an identity whose home this is: claimed if empty, else where the lead lives. */
  async claimOrDescribe(selfName: string, requester: string, namespaceId: string): Promise<LinkAnswer> {
    return this.merge.claimOrDescribe(selfName, requester, namespaceId);
  }

  /** Makes this lead part of `survivor`: forward from now on, then move the events across. */
  async mergeInto(survivor: string): Promise<{ redirect?: string }> {
    return this.merge.mergeInto(survivor);
  }

  /** Takes in a merged-away lead's events and identities (passed on if this lead is itself forwarded). */
  async receiveMerge(payload: MergePayload, hops = 0): Promise<void> {
    // Events of an erased person, still on their way from a merged-away lead: they go too.
    if (this.core.isErased()) return;
    return this.forwardOr(hops, (survivor) => survivor.receiveMerge(payload, hops + 1), () => this.merge.receiveMerge(payload));
  }

  /**
   * First step of an erasure (the lead itself): from now on it drops events;
   * answers its name and identities while it still holds them, so a failed
   * erasure can be run again. Null when there is no such live lead.
   */
  async prepareErase(namespaceId: string): Promise<ErasePlan | null> {
    return prepareErase(this.core, namespaceId);
  }

  /**
   * Wipes this object and leaves the erased mark: the lead's own last step,
   * and the step for each home object of its identities (forward pointers,
   * claims, a merged-away lead's leftovers). A home that is a different live
   * lead (an identity still being linked) is not touched; answers whether it was wiped.
   */
  async erase(namespaceId: string, selfName: string, leadName: string): Promise<boolean> {
    return erase(this.core, this.scores, namespaceId, selfName, leadName);
  }

  /** Every row of the timeline (not paged) and the identities with their link state. */
  async exportData(hops = 0): Promise<LeadExport | null> {
    return this.forwardOr(hops, (survivor) => survivor.exportData(hops + 1), async () => {
      if (!this.core.isLive()) return null;
      return exportData(this.core);
    });
  }

  /** A destination's delivery shard owns its part of outbox batch `batchId` (durable/outbox.ts); once all do, the next batch may leave. */
  async destinationTook(batchId: string, destinationId: string): Promise<void> {
    if (this.core.isErased()) return;
    const { confirmed, more } = this.outbox.took(batchId, destinationId);
    if (confirmed) await this.afterConfirm(more);
  }

  /** The destinations consumer handed over batch `batchId`, queued before leads handed batches over themselves: its receipt moves the cursor. */
  async deliveryDone(batchId: string, receipt?: BatchReceipt): Promise<void> {
    if (this.core.isErased()) return;
    const more = this.outbox.confirm(batchId, receipt);
    await this.afterConfirm(more);
  }

  /** The archive shard filed this lead's rows up to seq `upto`. */
  async archived(upto: number): Promise<void> {
    if (this.core.isErased() || !this.core.isLive()) return;
    this.archive.archived(upto);
    await this.afterConfirm(false);
  }

  /** The log's rows up to this seq are owed to no one any more. */
  private owedThrough(): number {
    return Math.min(this.outbox.caughtUpTo(), this.archive.caughtUpTo());
  }

  /**
   * A cursor moved (saved later, durable/lead-meta.ts): memory lets the rows
   * go, and the alarm runs now when more is owed or a merged-away lead may
   * delete its copy, else when the cursor is due to be saved.
   */
  private async afterConfirm(more: boolean): Promise<void> {
    const { core } = this;
    core.store.log.releaseOwedThrough(this.owedThrough());
    if (more || core.forwardTo()) await core.scheduleAlarm(Date.now());
    else await this.scheduleCursorSave();
  }

  private async scheduleCursorSave(): Promise<void> {
    const due = this.cursorSaveDueAt();
    if (due !== undefined) await this.core.scheduleAlarm(due);
  }

  /** When the moved cursors are due to be written (undefined: none waits). */
  private cursorSaveDueAt(): number | undefined {
    const since = this.core.store.meta.unsavedSince();
    return since === undefined ? undefined : since + config(this.env).cursorSaveMs;
  }

  /** What the outbox holds: rows pending, the batch in flight and its tries, parked batches (dead letters). */
  async outboxStatus(hops = 0): Promise<OutboxStatus | null> {
    return this.forwardOr(hops, (survivor) => survivor.outboxStatus(hops + 1), async () => {
      if (!this.core.isLive()) return null;
      return this.outbox.status(this.scores.snapshot());
    });
  }

  /** Puts parked outbox batches back at the head of the outbox and sends them; answers how many rows. */
  async retryParkedOutbox(hops = 0): Promise<number> {
    return this.forwardOr(hops, (survivor) => survivor.retryParkedOutbox(hops + 1), async () => {
      const moved = this.outbox.retryParked();
      if (moved > 0) await this.core.scheduleAlarm(Date.now());
      return moved;
    });
  }

  /** Told by another lead that it keeps an identity this lead also claimed. */
  async noteConflict(conflict: Omit<Conflict, "at">, hops = 0): Promise<void> {
    return this.forwardOr(hops, (survivor) => survivor.noteConflict(conflict, hops + 1), async () => {
      if (!this.core.isLive() || this.core.isErased()) return;
      this.merge.noteConflict(conflict);
    });
  }

  /**
   * The one alarm drives all deferred work: finishing a merge push, identity
   * links and index writes, the decay that fell due, retention, the
   * projection update and the outbox.
   * Each duty that fails leaves its state in storage and asks for a retry.
   */
  override async alarm(): Promise<void> {
    const { core, scores } = this;
    core.alarmStarted();
    if (core.isErased()) return;
    const now = Date.now();
    try {
      if (core.forwardTo()) await this.merge.pushToSurvivor();
      else {
        await this.merge.settleIdentities();
        applyDueDecay(core, scores, now);
        applyRetention(core, scores, now);
      }
      await this.projection.flush();
      await this.flushOwed();
    } catch (error) {
      console.error("lead alarm failed; retrying", error);
      await core.scheduleAlarm(now + RETRY_MS);
    }
    if ((this.cursorSaveDueAt() ?? Infinity) <= Date.now() + CURSOR_SAVE_SLACK_MS) core.store.meta.saveUnsaved();
    await this.scheduleCursorSave();
    const decayAt = nextDecayAt(core);
    if (decayAt !== undefined) await core.scheduleAlarm(decayAt);
    const pruneAt = nextPruneAt(core, scores);
    if (pruneAt !== undefined) await core.scheduleAlarm(pruneAt);
    for (const at of [this.outbox.nextAlarmAt(), this.archive.nextAlarmAt()]) if (at !== undefined) await core.scheduleAlarm(at);
  }

  /** Sends what the log owes: the outbox's next batch, the archive's rows (durable/outbox.ts, lead-archive.ts). */
  private async flushOwed(): Promise<void> {
    const { core } = this;
    const namespaceId = core.store.meta.get("namespace_id");
    if (namespaceId === undefined) return;
    // One snapshot for the whole flush (the outbox's batch and change, the archive's rows): each takes a scan of the log.
    let lead: ReturnType<LeadScores["snapshot"]> | undefined;
    const snapshot = () => (lead ??= this.scores.snapshot());
    const delivery = await this.outbox.flush(namespaceId, core.id, snapshot, core.forwardTo() === undefined);
    if (delivery.confirmed) await this.afterConfirm(delivery.more);
    const archiveWaits = this.runsAgainToSaveWithin(config(this.env).archive.gatherMs);
    if (await this.archive.flush(namespaceId, core.id, snapshot, archiveWaits)) await core.scheduleAlarm(Date.now());
  }

  /**
   * Whether the alarm is sure to run again within `ms` to save the delivery
   * cursor: a save due after this run, or (none due) a batch handed over
   * within the save interval, whose confirmation will make one due.
   */
  private runsAgainToSaveWithin(ms: number): boolean {
    const now = Date.now();
    const { cursorSaveMs } = config(this.env);
    const due = this.cursorSaveDueAt();
    if (due !== undefined) return due > now + CURSOR_SAVE_SLACK_MS && due <= now + ms;
    return cursorSaveMs <= ms && this.outbox.awaitsWordSince(now - cursorSaveMs);
  }
}
