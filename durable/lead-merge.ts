/**
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
 *   forwarded) and deletes its copy only after S stored them and nothing of
 *   it is owed to destinations or the archive any more. If V dies in
 *   between, its alarm pushes again; S dedupes by messageId and the merge's
 *   timeline entry has a deterministic id, so a repeated push changes nothing.
 * - Erased. An erased lead, and every home object of its identities, keeps
 *   only an `erased` mark (see src/privacy/erase.ts). Erased is final: such an
 *   object drops every later event (counted as suppressed), answers "erased"
 *   to a lead linking one of those identities (which then drops it), and
 *   takes no merge.
 *
 * LeadObject passes calls along a forward chain; the steps here run on the
 * object the protocol names.
 */
import { leadObjectName } from "../src/ingest/lead-name";
import { indexIdentities } from "../src/db/identities";
import type { Firmographics } from "../src/scoring/icp";
import type { Profile } from "../src/ingest/profile";
import { publishMerge } from "../src/live/publish";
import { RETRY_MS, type LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";
import { requestEnrichment } from "./lead-enrichment";
import { MERGE_TYPE, type StoredEvent } from "./lead-log";
import { type Conflict, type LinkedIdentity } from "./lead-identities";

/** Meta key: the survivor that took this merged-away lead's events. */
const PUSHED_TO = "pushed_to";

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

export class LeadMerge {
  constructor(
    private readonly core: LeadCore,
    private readonly scores: LeadScores,
    /** Whether destinations and the archive have every row of this lead's log (it may then delete its copy). */
    private readonly owesNothing: () => boolean,
  ) {}

  /** Asked by a lead linking an identity whose home this is: claimed if empty, else where the lead lives. */
  claimOrDescribe(selfName: string, requester: string, namespaceId: string): LinkAnswer {
    const { core } = this;
    const { store } = core;
    if (core.isErased()) return { state: "erased" };
    const forwardTo = core.forwardTo();
    if (forwardTo) return { state: "forwarded", forwardTo };
    const createdAt = store.meta.get("created_at");
    if (createdAt === undefined) {
      core.transact(() => {
        store.meta.set("namespace_id", namespaceId);
        store.meta.set("name", selfName);
        store.meta.set("forward_to", requester);
      });
      return { state: "claimed" };
    }
    return { state: "live", name: store.meta.get("name")!, createdAt: Number(createdAt), userIds: store.identities.userIds() };
  }

  /** Makes this lead part of `survivor`: forward from now on, then move the events across. */
  async mergeInto(survivor: string): Promise<{ redirect?: string }> {
    const { core } = this;
    if (core.isErased()) return {};
    const forwardTo = core.forwardTo();
    if (forwardTo && forwardTo !== survivor) return { redirect: forwardTo };
    if (!forwardTo) {
      core.store.meta.set("forward_to", survivor);
      core.projectionDirty = true;
      await core.scheduleAlarm(core.flushAt(Date.now()));
    }
    await this.pushToSurvivor();
    return {};
  }

  /** Takes in a merged-away lead's events and identities (this lead is live). */
  async receiveMerge(payload: MergePayload): Promise<void> {
    const { core, scores } = this;
    const { store } = core;
    const firstPush = core.transact(() => {
      const scorer = scores.scorer();
      const now = Date.now();
      const cutoff = scores.retentionCutoff(now);
      const moved = store.log.insertEvents(cutoff === null ? payload.events : payload.events.filter((e) => e.ts >= cutoff), scorer, false);
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
      const logged = store.log.insertEvents([entry], scorer, false);
      for (const identity of payload.identities) store.identities.add(identity);
      core.identityGeneration++;
      for (const conflict of payload.conflicts) store.identities.recordConflict(conflict, Date.parse(conflict.at));
      scores.mergeFirmographics(payload.firmographics);
      // The survivor's own profile wins: the merged lead only fills gaps.
      if (payload.profile) scores.mergeProfile(payload.profile, { fillOnly: true });
      const from = earlierKey(moved.earliest, logged.earliest);
      if (from) store.log.rescoreFrom(from, scores.capOf(), now);
      scores.afterChange();
      return logged.inserted > 0;
    });
    if (firstPush) core.waitUntil(publishMerge(core.env(), store.meta.get("namespace_id")!, core.id, payload));
    await core.scheduleAlarm(core.flushAt(Date.now()));
    await this.settleIdentities();
  }

  /** Told by another lead that it keeps an identity this lead also claimed (this lead is live). */
  noteConflict(conflict: Omit<Conflict, "at">): void {
    this.core.store.identities.recordConflict(conflict, Date.now());
  }

  /**
   * A merged-away lead's events and identities go to its survivor; its copy
   * is deleted once destinations and the archive have every row it owed them
   * (until then its alarm goes on sending them, under its own id).
   */
  async pushToSurvivor(): Promise<void> {
    const { core, scores } = this;
    const { store } = core;
    const survivor = core.forwardTo();
    const from = store.meta.get("name");
    if (!survivor || !from || !store.log.hasEvents()) return;
    if (store.meta.get(PUSHED_TO) !== survivor) {
      await core.lead(survivor, 0).receiveMerge({
        from,
        events: store.log.allEvents(),
        identities: store.identities.toMove(),
        conflicts: store.identities.conflicts(),
        firmographics: scores.firmographics(),
        profile: scores.profile(),
      });
      store.meta.set(PUSHED_TO, survivor);
    }
    if (this.owesNothing()) store.deleteEventsAndIdentities();
  }

  /** Links unlinked identities, then publishes linked ones to the D1 index; on failure the alarm retries. */
  async settleIdentities(): Promise<void> {
    const { core } = this;
    const { store } = core;
    const generation = core.identityGeneration;
    if (core.settledGeneration === generation) return;
    try {
      for (const identity of store.identities.unlinked()) {
        if (core.forwardTo()) return;
        await this.link(identity);
      }
      if (core.forwardTo()) return;
      const unindexed = store.identities.unindexed();
      if (unindexed.length > 0) {
        await indexIdentities(core.env().DB, store.meta.get("namespace_id")!, core.id, unindexed);
        await requestEnrichment(core, unindexed.filter((i) => i.kind === "email"));
        store.identities.markIndexed(unindexed);
      }
      core.settledGeneration = Math.max(core.settledGeneration, generation);
    } catch (error) {
      console.error("identity settlement failed; retrying by alarm", error);
      await core.scheduleAlarm(Date.now() + RETRY_MS);
    }
  }

  private async link(identity: LinkedIdentity): Promise<void> {
    const { core } = this;
    const { store } = core;
    const namespaceId = store.meta.get("namespace_id")!;
    const self = store.meta.get("name")!;
    let target = leadObjectName(namespaceId, identity.kind, identity.value);
    for (let hops = 0; target !== self; hops++) {
      const answer = await core.lead(target, hops).claimOrDescribe(target, self, namespaceId);
      if (core.forwardTo()) return; // merged away meanwhile: the survivor links what it received
      if (answer.state === "claimed") break;
      if (answer.state === "erased") {
        // An erased lead's identity is suppressed: this lead does not take it on.
        store.identities.remove(identity);
        return;
      }
      if (answer.state === "forwarded") {
        target = answer.forwardTo;
        continue;
      }
      if (answer.name === self) break;
      const mine = store.identities.userIds();
      if (!identity.explicit && mine.length > 0 && answer.userIds.length > 0 && !mine.some((u) => answer.userIds.includes(u))) {
        store.identities.remove(identity);
        store.identities.recordConflict({ otherLead: answer.name, identity, userIds: mine, otherUserIds: answer.userIds }, Date.now());
        await core.lead(answer.name, 0).noteConflict({ otherLead: self, identity, userIds: answer.userIds, otherUserIds: mine });
        return;
      }
      const createdAt = Number(store.meta.get("created_at"));
      const iAmOlder = createdAt < answer.createdAt || (createdAt === answer.createdAt && self < answer.name);
      if (!iAmOlder) {
        await this.mergeInto(answer.name);
        return;
      }
      const { redirect } = await core.lead(answer.name, hops).mergeInto(self);
      if (!redirect) break;
      target = redirect;
    }
    store.identities.markLinked(identity);
  }
}

type LogKey = { ts: number; id: string };

function earlierKey(a: LogKey | undefined, b: LogKey | undefined): LogKey | undefined {
  if (!a || !b) return a ?? b;
  return a.ts < b.ts || (a.ts === b.ts && a.id < b.id) ? a : b;
}
