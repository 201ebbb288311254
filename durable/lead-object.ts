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
 */
import { DurableObject } from "cloudflare:workers";
import type { Identity, LeadEvent } from "../src/ingest/normalize";
import { leadObjectName } from "../src/ingest/lead-name";
import { gradeFor, stageFor } from "../src/scoring/stage";
import { DAY_MS, velocityFor } from "../src/scoring/velocity";
import { indexIdentities } from "../src/db/identities";
import { migrateLeadSchema } from "./lead-schema";
import { LeadStore, MERGE_TYPE, type Conflict, type EventRow, type LinkedIdentity, type StoredEvent } from "./lead-store";

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

export interface LeadSummary {
  id: string;
  namespaceId: string;
  score: number;
  behaviourScore: number;
  icpScore: number;
  stage: ReturnType<typeof stageFor>;
  grade: ReturnType<typeof gradeFor>;
  velocity: number;
  identities: Identity[];
  conflicts: Conflict[];
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
  | { state: "live"; name: string; createdAt: number; userIds: string[] };

export interface MergePayload {
  from: string;
  events: StoredEvent[];
  identities: LinkedIdentity[];
  conflicts: Conflict[];
}

const MAX_HOPS = 16;
const RETRY_MS = 5_000;

export class LeadObject extends DurableObject<Env> {
  private readonly store: LeadStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LeadStore(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => migrateLeadSchema(ctx.storage.sql));
  }

  /** Stores the events that are new; answers once they are durable here or in the lead this one forwards to. */
  async ingest(namespaceId: string, selfName: string, events: LeadEvent[], hops = 0): Promise<IngestResult> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).ingest(namespaceId, forwardTo, events, hops + 1);
    const accepted = this.ctx.storage.transactionSync(() => {
      this.becomeLive(namespaceId, selfName);
      const inserted = this.store.insertEvents(events.map(toStoredEvent));
      for (const event of events) {
        for (const identity of event.identities) {
          const home = leadObjectName(namespaceId, identity.kind, identity.value) === selfName;
          this.store.addIdentity({ ...identity, linked: home, explicit: identity.explicit === true });
        }
      }
      return inserted;
    });
    await this.settleIdentities();
    return { accepted, duplicates: events.length - accepted };
  }

  async summary(hops = 0): Promise<LeadSummary | null> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).summary(hops + 1);
    const namespaceId = this.store.meta("namespace_id");
    if (namespaceId === undefined) return null;
    const stats = this.store.eventStats();
    const behaviourScore = this.store.behaviourScore();
    const icpScore = 0;
    const score = behaviourScore + icpScore;
    const now = Date.now();
    return {
      id: this.ctx.id.toString(),
      namespaceId,
      score,
      behaviourScore,
      icpScore,
      stage: stageFor(score),
      grade: gradeFor(score),
      velocity: velocityFor(this.store.activitySince(now - DAY_MS), now),
      identities: this.store.identities(),
      conflicts: this.store.conflicts(),
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
      nextCursor: page.length > limit && last ? encodeCursor(last.ts, last.message_id) : null,
    };
  }

  /** Asked by a lead linking an identity whose home this is: claimed if empty, else where the lead lives. */
  async claimOrDescribe(selfName: string, requester: string, namespaceId: string): Promise<LinkAnswer> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return { state: "forwarded", forwardTo };
    const createdAt = this.store.meta("created_at");
    if (createdAt === undefined) {
      this.ctx.storage.transactionSync(() => {
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
    const forwardTo = this.forwardTo();
    if (forwardTo && forwardTo !== survivor) return { redirect: forwardTo };
    if (!forwardTo) {
      this.store.setMeta("forward_to", survivor);
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
    }
    await this.pushToSurvivor();
    return {};
  }

  /** Takes in a merged-away lead's events and identities (passed on if this lead is itself forwarded). */
  async receiveMerge(payload: MergePayload, hops = 0): Promise<void> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).receiveMerge(payload, hops + 1);
    this.ctx.storage.transactionSync(() => {
      const moved = this.store.insertEvents(payload.events);
      const now = Date.now();
      this.store.insertEvents([
        {
          messageId: `merge:${payload.from}`,
          ts: now,
          type: MERGE_TYPE,
          name: MERGE_TYPE,
          receivedAt: now,
          body: JSON.stringify({ type: MERGE_TYPE, mergedLead: payload.from, identities: payload.identities.map(({ kind, value }) => ({ kind, value })), eventsMoved: moved }),
        },
      ]);
      for (const identity of payload.identities) this.store.addIdentity(identity);
      for (const conflict of payload.conflicts) this.store.recordConflict(conflict, Date.parse(conflict.at));
    });
    await this.settleIdentities();
  }

  /** Told by another lead that it keeps an identity this lead also claimed. */
  async noteConflict(conflict: Omit<Conflict, "at">, hops = 0): Promise<void> {
    const forwardTo = this.forwardTo();
    if (forwardTo) return this.lead(forwardTo, hops).noteConflict(conflict, hops + 1);
    this.store.recordConflict(conflict, Date.now());
  }

  /** Finishes whatever an earlier call left undone: a merge push, identity links, index writes. */
  override async alarm(): Promise<void> {
    if (this.forwardTo()) await this.pushToSurvivor();
    else await this.settleIdentities();
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
    });
    this.store.deleteEventsAndIdentities();
  }

  /** Links unlinked identities, then publishes linked ones to the D1 index; on failure the alarm retries. */
  private async settleIdentities(): Promise<void> {
    try {
      for (const identity of this.store.unlinkedIdentities()) {
        if (this.forwardTo()) return;
        await this.link(identity);
      }
      if (this.forwardTo()) return;
      const unindexed = this.store.unindexedIdentities();
      if (unindexed.length === 0) return;
      await indexIdentities(this.env.DB, this.store.meta("namespace_id")!, this.ctx.id.toString(), unindexed);
      this.store.markIndexed(unindexed);
    } catch (error) {
      console.error("identity settlement failed; retrying by alarm", error);
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
    }
  }

  private async link(identity: LinkedIdentity): Promise<void> {
    const namespaceId = this.store.meta("namespace_id")!;
    const self = this.store.meta("name")!;
    let target = leadObjectName(namespaceId, identity.kind, identity.value);
    for (let hops = 0; target !== self; hops++) {
      const answer = await this.lead(target, hops).claimOrDescribe(target, self, namespaceId);
      if (this.forwardTo()) return; // merged away meanwhile: the survivor links what it received
      if (answer.state === "claimed") break;
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

function toStoredEvent(event: LeadEvent): StoredEvent {
  return {
    messageId: event.messageId,
    ts: event.timestamp,
    type: event.type,
    name: event.name,
    receivedAt: event.receivedAt,
    body: JSON.stringify(event.body),
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
    event: JSON.parse(row.body),
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
