/**
 * LeadObject: one lead's event log, score and identities.
 *
 * Merge protocol (identity resolution)
 * - Names. An object is named `namespace/kind/value` after the identity that
 *   first reached it: that object is the identity's home. A message goes to
 *   the home of its userId, else of its anonymousId.
 * - States. An object is empty (never held an event), live, or forwarded
 *   (`forward_to` names another object). Forwarded is final, and a forwarded
 *   object passes every later call on, so a call that reaches any object of a
 *   chain lands on the chain's live root.
 * - Linking. A live lead L that learns an identity I whose home H is not L
 *   records I as unlinked in the same transaction as the event, then links it
 *   (retried by alarm until done):
 *     H empty      → H is claimed and forwards to L from then on (atomic in H);
 *     H forwarded  → follow the pointers to the live root R;
 *     R = L        → done;
 *     both hold userIds and share none (and no alias asked for it)
 *                  → a conflict, recorded on both; I is dropped from L and
 *                    nothing moves;
 *     otherwise    → merge. The survivor is the older of L and R by
 *                    (createdAt, name): a total order both sides compute
 *                    alike, so merges racing in opposite directions agree,
 *                    and pointers always run from younger to older (no cycle).
 * - Moving. The victim V, in one transaction, sets `forward_to` = survivor S
 *   and an alarm; from then on every call to V is passed to S. V then pushes
 *   its events and identities to S (`receiveMerge`, passed on if S is itself
 *   forwarded) and deletes its copy only after S stored them. If V dies in
 *   between, its alarm pushes again; S dedupes by messageId and the merge's
 *   timeline entry has a deterministic id, so a repeated push changes nothing.
 * - Erased. An erased lead, and every home object of its identities, keeps
 *   only an `erased` mark (see src/privacy/erase.ts). Erased is final: such an
 *   object drops every later event (counted as suppressed), answers "erased"
 *   to a lead linking one of those identities (which then drops it), and
 *   takes no merge.
 */
import { DurableObject } from "cloudflare:workers";
import type { Identity, LeadEvent } from "../src/ingest/normalize";
import { UNKNOWN_NAMESPACE_STATE, type NamespaceState } from "../src/ingest/namespace-state";
import { leadObjectName } from "../src/ingest/lead-name";
import { gradeFor, stageFor, type Stage } from "../src/scoring/stage";
import { DAY_MS, velocityFromWeight } from "../src/scoring/velocity";
import { matchRule } from "../src/scoring/rules";
import { firmographicsFromTraits, icpScoreFor, type Firmographics } from "../src/scoring/icp";
import { intelligenceFor, type Intelligence } from "../src/scoring/intelligence";
import { DEFAULT_SCORING, type ScoringConfig } from "../src/scoring/config";
import { indexIdentities } from "../src/db/identities";
import { loadScoringConfig } from "../src/db/scoring";
import { countSuppressed } from "../src/db/suppression";
import { projectionQueue, type ProjectionMessage } from "../src/queues/projection";
import type { EnrichmentMessage } from "../src/queues/enrichment";
import type { LeadSnapshot } from "../src/destinations/types";
import { publishMerge } from "../src/live/publish";
import { migrateLeadSchema } from "./lead-schema";
import { profileFromTraits, type Profile } from "../src/ingest/profile";
import { parseStored } from "../src/ingest/nesting";
import { Outbox, type OutboxStatus } from "./outbox";
import {
  LeadStore,
  MERGE_TYPE,
  type Conflict,
  type EventRow,
  type LinkedIdentity,
  type Scorer,
  type StageChange,
  type StoredEvent,
} from "./lead-store";

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** Dropped: the lead was erased, so its identities are suppressed. */
  suppressed: number;
  /** Dropped: older than the namespace's retention. */
  expired: number;
  /** The live lead that holds the events (this one, or the one it forwards to). */
  leadId: string;
  newMessageIds: string[];
}

/** What an erasure needs to know of the lead: its name and every identity it holds. */
export interface ErasePlan {
  name: string;
  identities: Identity[];
}

/** Everything a lead object holds about its lead, for an export. */
export interface LeadExport {
  timeline: TimelineEntry[];
  identities: LinkedIdentity[];
}

export interface LeadSummary extends LeadSnapshot {
  namespaceId: string;
  identities: Identity[];
  conflicts: Conflict[];
  firmographics: Firmographics;
  /** Contact traits from identify calls (name, company…). */
  profile: Profile;
  stageChanges: StageChange[];
  scoringVersion: number;
  eventCount: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface TimelineEntry {
  messageId: string;
  type: string;
  name: string;
  timestamp: string;
  receivedAt: string;
  scoreDelta: number;
  runningScore: number;
  event: unknown;
}

export interface TimelinePage {
  entries: TimelineEntry[];
  nextCursor: string | null;
}

/** What a lead says of itself to another lead that is linking one of its identities. */
export type LinkAnswer =
  | { state: "claimed" }
  | { state: "forwarded"; forwardTo: string }
  | { state: "live"; name: string; createdAt: number; userIds: string[] }
  | { state: "erased" };

export interface MergePayload {
  from: string;
  events: StoredEvent[];
  identities: LinkedIdentity[];
  conflicts: Conflict[];
  firmographics: Firmographics;
  /** Absent in pushes from before profiles were kept. */
  profile?: Profile;
}

const MAX_HOPS = 16;
const RETRY_MS = 5_000;
/** How long a lead gathers changes before its alarm sends them on (outbox, and summary when due). */
const FLUSH_DELAY_MS = 2_000;
const ALARM_SLACK_MS = 250;

export class LeadObject extends DurableObject<Env> {
  private readonly store: LeadStore;
  private readonly outbox: Outbox;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LeadStore(ctx.storage.sql);
    this.outbox = new Outbox(this.store, () => this.env, (work) => this.transact(work));
    ctx.blockConcurrencyWhile(async () => migrateLeadSchema(ctx.storage.sql));
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
    if (this.isErased()) {
      await countSuppressed(this.env.DB, namespaceId, selfName, events.length);
      return { accepted: 0, duplicates: 0, suppressed: events.length, expired: 0, leadId: this.ctx.id.toString(), newMessageIds: [] };
    }
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).ingest(namespaceId, forwardTo, events, namespace, hops + 1);
    this.deliveries = namespace.deliveries;
    this.archiveOnly = namespace.archiveOnly === true;
    await this.ensureScoring(namespaceId, namespace.scoringVersion);
    const now = Date.now();
    const cutoff = this.retentionCutoff(now);
    const kept = cutoff === null ? events : events.filter((e) => e.timestamp >= cutoff);
    const newMessageIds = this.transact(() => {
      this.becomeLive(namespaceId, selfName);
      const fresh = this.storeEvents(kept.map(toStoredEvent), now);
      if (this.deliveries) for (const event of fresh) this.outbox.add(event.messageId, "event", event.body);
      for (const event of kept) {
        for (const identity of event.identities) {
          const home = leadObjectName(namespaceId, identity.kind, identity.value) === selfName;
          if (this.store.addIdentity({ ...identity, linked: home, explicit: identity.explicit === true })) this.identityGeneration++;
        }
        if (event.type === "identify" || event.type === "group") this.mergeFirmographics(firmographicsFromTraits(traitsOf(event)));
        if (event.type === "identify") this.mergeProfile(profileFromTraits(traitsOf(event)));
      }
      if (fresh.length > 0) this.afterChange();
      return fresh.map((event) => event.messageId);
    });
    const accepted = newMessageIds.length;
    if (accepted > 0) await this.scheduleAlarm(this.flushAt(now));
    await this.settleIdentities();
    return {
      accepted,
      duplicates: kept.length - accepted,
      suppressed: 0,
      expired: events.length - kept.length,
      leadId: this.ctx.id.toString(),
      newMessageIds,
    };
  }

  /** Brings this lead to the namespace's scoring `version` (a rescore job's step, which may hand over the config). */
  async applyScoring(namespaceId: string, version: number, config?: ScoringConfig, hops = 0): Promise<void> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).applyScoring(namespaceId, version, config, hops + 1);
    if (this.store.meta("created_at") === undefined || this.isErased()) return;
    await this.ensureScoring(namespaceId, version, config);
  }

  /** Firmographics found by enrichment; they feed the ICP score. */
  async applyEnrichment(firmographics: Firmographics, hops = 0): Promise<void> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).applyEnrichment(firmographics, hops + 1);
    if (this.store.meta("created_at") === undefined || this.isErased()) return;
    this.transact(() => {
      this.mergeFirmographics(firmographics);
      this.afterChange();
    });
    await this.scheduleAlarm(this.flushAt(Date.now()));
  }

  async intelligence(hops = 0): Promise<Intelligence | null> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).intelligence(hops + 1);
    if (this.store.meta("created_at") === undefined) return null;
    const now = Date.now();
    const behaviour = this.store.behaviourScore();
    return intelligenceFor({
      now,
      stage: stageFor(behaviour),
      score: behaviour + this.icpScore(),
      activity: this.store.activity(),
      recentEventNames: this.store.eventNamesSince(now - 7 * DAY_MS),
      lastEventTs: this.store.lastEventTs() ?? null,
    });
  }

  async summary(hops = 0): Promise<LeadSummary | null> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).summary(hops + 1);
    const namespaceId = this.store.meta("namespace_id");
    if (namespaceId === undefined) return null;
    const stats = this.store.eventStats();
    return {
      ...this.snapshot(),
      namespaceId,
      identities: this.store.identities(),
      conflicts: this.store.conflicts(),
      firmographics: this.firmographics(),
      profile: this.profile(),
      stageChanges: this.store.stageChanges(),
      scoringVersion: this.scoring().version,
      eventCount: stats.count,
      firstSeen: stats.first === null ? null : new Date(stats.first).toISOString(),
      lastSeen: stats.last === null ? null : new Date(stats.last).toISOString(),
    };
  }

  /** Events and merges in timestamp order; `cursor` is the opaque position after the previous page. */
  async timeline(limit: number, cursor?: string, hops = 0): Promise<TimelinePage> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).timeline(limit, cursor, hops + 1);
    const page = this.store.timelinePage(limit + 1, cursor ? decodeCursor(cursor) : undefined);
    const last = page[limit - 1];
    return {
      entries: page.slice(0, limit).map(toTimelineEntry),
      nextCursor: page.length > limit && last ? encodeCursor(last.ts, last.ord) : null,
    };
  }

  /** Asked by a lead linking an identity whose home this is: claimed if empty, else where the lead lives. */
  async claimOrDescribe(selfName: string, requester: string, namespaceId: string): Promise<LinkAnswer> {
    if (this.isErased()) return { state: "erased" };
    const forwardTo = this.forwardTo();
    if (forwardTo) return { state: "forwarded", forwardTo };
    const createdAt = this.store.meta("created_at");
    if (createdAt === undefined) {
      this.transact(() => {
        this.store.setMeta("namespace_id", namespaceId);
        this.store.setMeta("name", selfName);
        this.store.setMeta("forward_to", requester);
      });
      return { state: "claimed" };
    }
    return { state: "live", name: this.store.meta("name")!, createdAt: Number(createdAt), userIds: this.store.userIds() };
  }

  /** Makes this lead part of `survivor`: forward from now on, then move the events across. */
  async mergeInto(survivor: string): Promise<{ redirect?: string }> {
    if (this.isErased()) return {};
    const forwardTo = this.forwardTo();
    if (forwardTo && forwardTo !== survivor) return { redirect: forwardTo };
    if (!forwardTo) {
      this.store.setMeta("forward_to", survivor);
      this.projectionDirty = true;
      await this.scheduleAlarm(this.flushAt(Date.now()));
    }
    await this.pushToSurvivor();
    return {};
  }

  /** Takes in a merged-away lead's events and identities (passed on if this lead is itself forwarded). */
  async receiveMerge(payload: MergePayload, hops = 0): Promise<void> {
    // Events of an erased person, still on their way from a merged-away lead: they go too.
    if (this.isErased()) return;
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).receiveMerge(payload, hops + 1);
    const firstPush = this.transact(() => {
      const scorer = this.scorer();
      const now = Date.now();
      const cutoff = this.retentionCutoff(now);
      const moved = this.store.insertEvents(cutoff === null ? payload.events : payload.events.filter((e) => e.ts >= cutoff), scorer);
      // The entry's id is fixed per merged lead, so a repeated push adds no second entry.
      const entry: StoredEvent = {
        messageId: `merge:${payload.from}`,
        ord: `merge:${payload.from}`,
        ts: now,
        type: MERGE_TYPE,
        name: MERGE_TYPE,
        receivedAt: now,
        body: JSON.stringify({
          type: MERGE_TYPE,
          mergedLead: payload.from,
          identities: payload.identities.map(({ kind, value }) => ({ kind, value })),
          eventsMoved: moved.inserted,
        }),
      };
      const logged = this.store.insertEvents([entry], scorer);
      for (const identity of payload.identities) this.store.addIdentity(identity);
      this.identityGeneration++;
      for (const conflict of payload.conflicts) this.store.recordConflict(conflict, Date.parse(conflict.at));
      this.mergeFirmographics(payload.firmographics);
      // The survivor's own profile wins: the merged lead only fills gaps.
      if (payload.profile) this.mergeProfile(payload.profile, { fillOnly: true });
      const from = earlierKey(moved.earliest, logged.earliest);
      if (from) this.store.rescoreFrom(from, this.capOf(), now);
      this.afterChange();
      return logged.inserted > 0;
    });
    if (firstPush) this.ctx.waitUntil(publishMerge(this.env, this.store.meta("namespace_id")!, this.ctx.id.toString(), payload));
    await this.scheduleAlarm(this.flushAt(Date.now()));
    await this.settleIdentities();
  }

  /**
   * First step of an erasure (the lead itself): from now on it drops events;
   * answers its name and identities while it still holds them, so a failed
   * erasure can be run again. Null when there is no such live lead.
   */
  async prepareErase(namespaceId: string): Promise<ErasePlan | null> {
    if (this.forwardTo() || this.store.meta("created_at") === undefined || this.store.meta("namespace_id") !== namespaceId) return null;
    if (!this.isErased()) this.store.setMeta("erased", namespaceId);
    return { name: this.store.meta("name")!, identities: this.store.identities().map(({ kind, value }) => ({ kind, value })) };
  }

  /**
   * Wipes this object and leaves the erased mark: the lead's own last step,
   * and the step for each home object of its identities (forward pointers,
   * claims, a merged-away lead's leftovers). A home that is a different live
   * lead (an identity still being linked) is not touched; answers whether it was wiped.
   */
  async erase(namespaceId: string, selfName: string, leadName: string): Promise<boolean> {
    const owner = this.store.meta("namespace_id") ?? this.store.meta("erased");
    if (owner !== undefined && owner !== namespaceId) return false;
    const live = this.store.meta("created_at") !== undefined && !this.forwardTo();
    if (live && this.store.meta("name") !== leadName) return false;
    this.transact(() => this.store.wipe({ erased: namespaceId, name: selfName }));
    this.scoringCache = undefined;
    this.identityGeneration = 1;
    this.settledGeneration = 1;
    await this.ctx.storage.deleteAlarm();
    this.alarmAt = null;
    return true;
  }

  /** Every row of the timeline (not paged) and the identities with their link state. */
  async exportData(hops = 0): Promise<LeadExport | null> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).exportData(hops + 1);
    if (this.store.meta("created_at") === undefined) return null;
    return { timeline: this.store.allRows().map(toTimelineEntry), identities: this.store.identitiesToMove() };
  }

  /** The destinations consumer is done with batch `batchId`: its rows go, and the next batch may leave. */
  async deliveryDone(batchId: string): Promise<void> {
    if (this.outbox.confirm(batchId)) await this.scheduleAlarm(Date.now());
  }

  /** What the outbox holds: rows pending, the batch in flight and its tries, parked batches (dead letters). */
  async outboxStatus(hops = 0): Promise<OutboxStatus | null> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).outboxStatus(hops + 1);
    if (this.store.meta("created_at") === undefined) return null;
    return this.outbox.status();
  }

  /** Puts parked outbox batches back at the head of the outbox and sends them; answers how many rows. */
  async retryParkedOutbox(hops = 0): Promise<number> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).retryParkedOutbox(hops + 1);
    const moved = this.outbox.retryParked();
    if (moved > 0) await this.scheduleAlarm(Date.now());
    return moved;
  }

  /** Told by another lead that it keeps an identity this lead also claimed. */
  async noteConflict(conflict: Omit<Conflict, "at">, hops = 0): Promise<void> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).noteConflict(conflict, hops + 1);
    if (this.store.meta("created_at") === undefined || this.isErased()) return;
    this.store.recordConflict(conflict, Date.now());
  }

  /**
   * The one alarm drives all deferred work: finishing a merge push, identity
   * links and index writes, the decay that fell due, the projection update and
   * the outbox.
   * Each duty that fails leaves its state in storage and asks for a retry.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (this.isErased()) return;
    const now = Date.now();
    try {
      if (this.forwardTo()) await this.pushToSurvivor();
      else {
        await this.settleIdentities();
        this.applyDueDecay(now);
        this.applyRetention(now);
      }
      await this.flushProjection();
      await this.flushOutbox();
    } catch (error) {
      console.error("lead alarm failed; retrying", error);
      await this.scheduleAlarm(now + RETRY_MS);
    }
    const decayAt = this.nextDecayAt();
    if (decayAt !== undefined) await this.scheduleAlarm(decayAt);
    const pruneAt = this.nextPruneAt();
    if (pruneAt !== undefined) await this.scheduleAlarm(pruneAt);
    const outboxAt = this.outbox.nextAlarmAt();
    if (outboxAt !== undefined) await this.scheduleAlarm(outboxAt);
  }

  private alarmAt: number | null | undefined;
  /**
   * Whether the namespace has destinations or automations, as the last ingest
   * call said; until one says otherwise (a fresh activation), assume so.
   * Without them the lead keeps no outbox: events and changes are not queued
   * for anyone.
   */
  private deliveries = true;
  /** The outbox is kept for the event archive alone: batches go straight to the archive shard (durable/outbox.ts). */
  private archiveOnly = false;
  /** Whether the projection may not show the lead as it is; a fresh activation assumes so. */
  private projectionDirty = true;
  private projectionVersion = 0;
  /** Before this time a changed lead holds its summary back (it sent one recently). */
  private projectionDueAt = 0;

  /**
   * When the alarm should next run for a change made at `now`: soon when
   * the outbox has deliveries to send, else when the summary is due (a
   * lead that keeps changing sends it at most once per PROJECTION_INTERVAL_SECONDS).
   */
  private flushAt(now: number): number {
    const soon = now + FLUSH_DELAY_MS;
    return this.deliveries ? soon : Math.max(soon, this.projectionDueAt);
  }

  private projectionIntervalMs(): number {
    return Number(this.env.PROJECTION_INTERVAL_SECONDS) * 1000 || 0;
  }
  /** Bumped by every change, so a projection flush knows whether a change slipped in while it sent. */
  private changeGeneration = 0;
  /** Bumped when identities may need linking or indexing; settled up to `settledGeneration`. */
  private identityGeneration = 1;
  private settledGeneration = 0;

  private transact<T>(work: () => T): T {
    try {
      return this.ctx.storage.transactionSync(work);
    } catch (error) {
      this.store.forgetCaches();
      throw error;
    }
  }
  private scoringCache: ScoringConfig | undefined;

  private async scheduleAlarm(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  private scoring(): ScoringConfig {
    if (!this.scoringCache) {
      const stored = this.store.meta("scoring");
      // Version -1: never loaded, so the first call loads whatever the namespace has.
      this.scoringCache = stored ? (JSON.parse(stored) as ScoringConfig) : { ...DEFAULT_SCORING, version: -1 };
    }
    return this.scoringCache;
  }

  /** Loads the namespace's scoring when `version` is newer than this lead's, and rescores everything with it. */
  private async ensureScoring(namespaceId: string, version: number, given?: ScoringConfig): Promise<void> {
    if (this.scoring().version >= Math.max(version, 0)) return;
    // Version 0 is a namespace that never changed its scoring: the defaults, no need to ask D1.
    const config =
      given && given.version >= version ? given : version === 0 ? DEFAULT_SCORING : await loadScoringConfig(this.env.DB, namespaceId);
    if (config.version <= this.scoring().version) return;
    this.transact(() => {
      this.store.setMeta("scoring", JSON.stringify(config));
      this.scoringCache = config;
      if (this.store.meta("created_at") === undefined) return;
      this.store.rematchAll(this.scorer());
      this.store.rescoreFrom(null, this.capOf(), Date.now());
      this.afterChange();
    });
    await this.scheduleAlarm(this.flushAt(Date.now()));
  }

  private scorer(): Scorer {
    const rules = this.scoring().rules;
    const ruled = new Set(rules.map((r) => r.event));
    // The body is only parsed when a namespace rule could look at its properties.
    return (name, body) => (ruled.has(name) ? matchRule(name, JSON.parse(body), rules) : matchRule(name, {}, []));
  }

  private capOf(): (ruleId: string) => number | null {
    const caps = new Map(this.scoring().rules.map((r) => [r.id, r.cap]));
    return (ruleId) => caps.get(ruleId) ?? null;
  }

  private firmographics(): Firmographics {
    const stored = this.store.meta("firmographics");
    return stored ? (JSON.parse(stored) as Firmographics) : {};
  }

  private mergeFirmographics(found: Firmographics): void {
    if (Object.keys(found).length === 0) return;
    this.store.setMeta("firmographics", JSON.stringify({ ...this.firmographics(), ...found }));
  }

  private profile(): Profile {
    const stored = this.store.meta("profile");
    return stored ? (JSON.parse(stored) as Profile) : {};
  }

  private mergeProfile(found: Profile, { fillOnly = false } = {}): void {
    if (Object.keys(found).length === 0) return;
    const merged = fillOnly ? { ...found, ...this.profile() } : { ...this.profile(), ...found };
    this.store.setMeta("profile", JSON.stringify(merged));
  }

  private icpScore(): number {
    return icpScoreFor(this.firmographics(), this.scoring().icpTable);
  }

  /**
   * Inserts the events whose messageId is new and brings the running score up
   * to date: appended when they all follow the log's last row (the usual
   * case), else inserted and rescored from the earliest of them.
   */
  private storeEvents(events: StoredEvent[], now: number): StoredEvent[] {
    const appended = this.store.appendInOrder(events, this.scorer(), this.capOf(), now);
    if (appended) return appended;
    const { earliest, new: fresh } = this.store.insertEvents(events, this.scorer());
    if (earliest) this.store.rescoreFrom(earliest, this.capOf(), now);
    return fresh;
  }

  /** Marks the summary for the projection and tells destinations (stage changes are kept by the store, in event time). */
  private afterChange(): void {
    this.projectionDirty = true;
    this.changeGeneration++;
    if (this.deliveries) this.recordChangeForDestinations(this.snapshot());
  }

  /** The lead's scores and main identities now, as destinations and the API see them. */
  private snapshot(): LeadSnapshot {
    const behaviourScore = this.store.behaviourScore();
    const icpScore = this.icpScore();
    const score = Math.round((behaviourScore + icpScore) * 100) / 100;
    const now = Date.now();
    const identities = this.store.identities();
    return {
      id: this.ctx.id.toString(),
      score,
      behaviourScore,
      icpScore,
      stage: stageFor(behaviourScore),
      grade: gradeFor(score),
      velocity: velocityFromWeight(this.store.velocityWeight(now)),
      userId: identities.find((i) => i.kind === "userId")?.value ?? null,
      email: identities.find((i) => i.kind === "email")?.value ?? null,
    };
  }

  /**
   * Puts a `change` item in the outbox when the score or stage moved, or the
   * velocity passed a whole number (automations and CRMs use them; `before`
   * is the last item's, so no threshold is skipped).
   */
  private recordChangeForDestinations(after: LeadSnapshot): void {
    const stored = this.store.meta("last_snapshot");
    const before = stored ? (JSON.parse(stored) as LeadSnapshot) : null;
    if (before && before.score === after.score && before.stage === after.stage && Math.floor(before.velocity) === Math.floor(after.velocity)) return;
    const count = Number(this.store.meta("change_count") ?? "0") + 1;
    this.store.setMeta("change_count", String(count));
    this.store.setMeta("last_snapshot", JSON.stringify(after));
    this.outbox.add(`change:${after.id}:${count}`, "change", JSON.stringify({ before, after }));
  }

  /** Sends the outbox's next batch (see durable/outbox.ts for its protocol). */
  private async flushOutbox(): Promise<void> {
    const namespaceId = this.store.meta("namespace_id");
    if (namespaceId === undefined) return;
    if (await this.outbox.flush(namespaceId, () => this.snapshot(), Date.now(), this.archiveOnly)) await this.scheduleAlarm(Date.now());
  }

  private isErased(): boolean {
    return this.store.meta("erased") !== undefined;
  }

  /** Events before this time are outside the namespace's retention; null when it keeps everything. */
  private retentionCutoff(now: number): number | null {
    const days = this.scoring().retentionDays ?? null;
    return days === null ? null : now - days * DAY_MS;
  }

  /**
   * Prunes the events retention no longer keeps into the baseline row (see
   * LeadStore.pruneBefore): the score, stage and grade stay what they were;
   * eventCount and firstSeen then describe the events still held.
   */
  private applyRetention(now: number): void {
    const cutoff = this.retentionCutoff(now);
    if (cutoff === null || this.forwardTo()) return;
    const oldest = this.store.oldestEventTs();
    if (oldest === null || oldest >= cutoff) return;
    this.transact(() => {
      if (this.store.pruneBefore(cutoff, now) > 0) {
        this.projectionDirty = true;
        this.changeGeneration++;
      }
    });
  }

  private nextPruneAt(): number | undefined {
    const days = this.scoring().retentionDays ?? null;
    const oldest = this.store.oldestEventTs();
    if (days === null || oldest === null || this.forwardTo()) return undefined;
    return oldest + days * DAY_MS + 1;
  }

  private nextDecayAt(): number | undefined {
    if (this.forwardTo()) return undefined;
    return this.store.nextDecayAt();
  }

  /** Brings the quiet stretch's decay row up to date once a step has fallen due. */
  private applyDueDecay(now: number): void {
    const dueAt = this.nextDecayAt();
    const lastEventTs = this.store.lastEventTs();
    if (dueAt === undefined || dueAt > now || lastEventTs === undefined) return;
    this.transact(() => {
      // Anchored on the last event: only the decay rows after it are rewritten.
      this.store.rescoreFrom({ ts: lastEventTs + 1, id: "" }, this.capOf(), now);
      this.afterChange();
    });
  }

  /**
   * Sends this lead's summary (or, once merged away, its removal) to the
   * projection queue. Nothing is written here: the version is the send time
   * (kept increasing within the activation), which only needs to grow from
   * one summary of a lead to the next (they leave at least a delay apart),
   * and a fresh activation sends once more whether or not it has changed.
   */
  private async flushProjection(): Promise<void> {
    if (!this.projectionDirty) return;
    const namespaceId = this.store.meta("namespace_id");
    if (namespaceId === undefined) return;
    // Due within a moment counts as due: an alarm set again for (about) the
    // time of the alarm now running can be dropped when this one completes.
    if (this.projectionDueAt - Date.now() > ALARM_SLACK_MS) return this.scheduleAlarm(this.projectionDueAt);
    const generation = this.changeGeneration;
    const version = Math.max(Date.now(), this.projectionVersion + 1);
    const leadId = this.ctx.id.toString();
    let message: ProjectionMessage;
    if (this.forwardTo()) message = { kind: "delete", namespaceId, leadId, version };
    else {
      const { id: _id, ...lead } = this.snapshot();
      const stats = this.store.eventStats();
      message = {
        kind: "upsert",
        namespaceId,
        leadId,
        version,
        scoringVersion: this.scoring().version,
        eventCount: stats.count,
        firstSeen: stats.first,
        lastActivity: stats.last,
        ...lead,
      };
    }
    await projectionQueue(this.env, leadId).send(message);
    this.projectionVersion = version;
    // Jittered, so leads that got busy together do not all send together again.
    this.projectionDueAt = Date.now() + this.projectionIntervalMs() * (0.8 + 0.4 * Math.random());
    // A change while the send was awaited keeps the mark, for the next alarm.
    if (this.changeGeneration === generation) this.projectionDirty = false;
    else await this.scheduleAlarm(this.flushAt(Date.now()));
  }

  private forwardTo(): string | undefined {
    return this.store.meta("forward_to");
  }

  private lead(name: string, hops: number) {
    if (hops >= MAX_HOPS) throw new Error(`forwarding chain longer than ${MAX_HOPS} at ${name}`);
    return this.env.LEAD.getByName(name);
  }

  private becomeLive(namespaceId: string, selfName: string): void {
    const owner = this.store.meta("namespace_id");
    if (owner !== undefined && owner !== namespaceId) throw new Error("lead belongs to another namespace");
    if (this.store.meta("created_at") !== undefined) return;
    this.store.setMeta("namespace_id", namespaceId);
    this.store.setMeta("name", selfName);
    this.store.setMeta("created_at", String(Date.now()));
  }

  private async pushToSurvivor(): Promise<void> {
    const survivor = this.forwardTo();
    const from = this.store.meta("name");
    if (!survivor || !from || !this.store.hasEvents()) return;
    await this.lead(survivor, 0).receiveMerge({
      from,
      events: this.store.allEvents(),
      identities: this.store.identitiesToMove(),
      conflicts: this.store.conflicts(),
      firmographics: this.firmographics(),
      profile: this.profile(),
    });
    this.store.deleteEventsAndIdentities();
  }

  /** Links unlinked identities, then publishes linked ones to the D1 index; on failure the alarm retries. */
  private async settleIdentities(): Promise<void> {
    const generation = this.identityGeneration;
    if (this.settledGeneration === generation) return;
    try {
      for (const identity of this.store.unlinkedIdentities()) {
        if (this.forwardTo()) return;
        await this.link(identity);
      }
      if (this.forwardTo()) return;
      const unindexed = this.store.unindexedIdentities();
      if (unindexed.length > 0) {
        await indexIdentities(this.env.DB, this.store.meta("namespace_id")!, this.ctx.id.toString(), unindexed);
        await this.requestEnrichment(unindexed.filter((i) => i.kind === "email"));
        this.store.markIndexed(unindexed);
      }
      this.settledGeneration = Math.max(this.settledGeneration, generation);
    } catch (error) {
      console.error("identity settlement failed; retrying by alarm", error);
      await this.scheduleAlarm(Date.now() + RETRY_MS);
    }
  }

  /** A new email is looked up by the enrichment queue, whose answer comes back through applyEnrichment. */
  private async requestEnrichment(emails: Identity[]): Promise<void> {
    if (emails.length === 0) return;
    const namespaceId = this.store.meta("namespace_id")!;
    const lead = this.store.meta("name")!;
    await this.env.ENRICHMENT.sendBatch(emails.map((e) => ({ body: { namespaceId, lead, email: e.value } satisfies EnrichmentMessage })));
  }

  private async link(identity: LinkedIdentity): Promise<void> {
    const namespaceId = this.store.meta("namespace_id")!;
    const self = this.store.meta("name")!;
    let target = leadObjectName(namespaceId, identity.kind, identity.value);
    for (let hops = 0; target !== self; hops++) {
      const answer = await this.lead(target, hops).claimOrDescribe(target, self, namespaceId);
      if (this.forwardTo()) return; // merged away meanwhile: the survivor links what it received
      if (answer.state === "claimed") break;
      if (answer.state === "erased") {
        // An erased lead's identity is suppressed: this lead does not take it on.
        this.store.removeIdentity(identity);
        return;
      }
      if (answer.state === "forwarded") {
        target = answer.forwardTo;
        continue;
      }
      if (answer.name === self) break;
      const mine = this.store.userIds();
      if (!identity.explicit && mine.length > 0 && answer.userIds.length > 0 && !mine.some((u) => answer.userIds.includes(u))) {
        this.store.removeIdentity(identity);
        this.store.recordConflict({ otherLead: answer.name, identity, userIds: mine, otherUserIds: answer.userIds }, Date.now());
        await this.lead(answer.name, 0).noteConflict({ otherLead: self, identity, userIds: answer.userIds, otherUserIds: mine });
        return;
      }
      const createdAt = Number(this.store.meta("created_at"));
      const iAmOlder = createdAt < answer.createdAt || (createdAt === answer.createdAt && self < answer.name);
      if (!iAmOlder) {
        await this.mergeInto(answer.name);
        return;
      }
      const { redirect } = await this.lead(answer.name, hops).mergeInto(self);
      if (!redirect) break;
      target = redirect;
    }
    this.store.markLinked(identity);
  }
}

type LogKey = { ts: number; id: string };

function earlierKey(a: LogKey | undefined, b: LogKey | undefined): LogKey | undefined {
  if (!a || !b) return a ?? b;
  return a.ts < b.ts || (a.ts === b.ts && a.id < b.id) ? a : b;
}

function traitsOf(event: LeadEvent): Record<string, unknown> {
  const traits = (JSON.parse(event.body) as { traits?: unknown }).traits;
  return traits && typeof traits === "object" && !Array.isArray(traits) ? (traits as Record<string, unknown>) : {};
}

function toStoredEvent(event: LeadEvent): StoredEvent {
  return {
    messageId: event.messageId,
    ord: event.order ?? event.messageId,
    ts: event.timestamp,
    type: event.type,
    name: event.name,
    receivedAt: event.receivedAt,
    body: event.body,
  };
}

function toTimelineEntry(row: EventRow): TimelineEntry {
  return {
    messageId: row.message_id,
    type: row.type,
    name: row.name,
    timestamp: new Date(row.ts).toISOString(),
    receivedAt: new Date(row.received_at).toISOString(),
    scoreDelta: row.points,
    runningScore: row.running_score,
    // Bounded: an event stored before the nesting limit held still reads back.
    event: parseStored(row.body),
  };
}

function encodeCursor(ts: number, id: string): string {
  return btoa(JSON.stringify([ts, id]));
}

function decodeCursor(cursor: string): { ts: number; id: string } | undefined {
  try {
    const [ts, id] = JSON.parse(atob(cursor)) as unknown[];
    return typeof ts === "number" && typeof id === "string" ? { ts, id } : undefined;
  } catch {
    return undefined;
  }
}
