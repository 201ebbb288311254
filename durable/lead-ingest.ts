/**
 * Ingest: a live lead stores the events that are new to it (deduped by
 * messageId, in event-time order with the running score kept up to date),
 * takes on the identities, firmographics and profile they carry — all in
 * one transaction. The rows stored are what destinations and the archive are
 * owed (durable/outbox.ts, lead-archive.ts): no copy is made for them. Linking the identities it learned is the merge protocol's
 * (lead-merge.ts).
 */
import type { LeadEvent } from "../src/ingest/normalize";
import { leadObjectName } from "../src/ingest/lead-name";
import { firmographicsFromTraits } from "../src/scoring/icp";
import { profileFromTraits } from "../src/ingest/profile";
import type { LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";
import type { Outbox } from "./outbox";
import type { StoredEvent } from "./lead-log";
import type { IngestResult } from "../src/contracts/lead-rpc";
export type { IngestResult };

/** Stores `events` (already within retention) in this live lead; answers the messageIds that were new. */
export function storeIngested(core: LeadCore, scores: LeadScores, outbox: Outbox, namespaceId: string, selfName: string, events: LeadEvent[], now: number): string[] {
  return core.transact(() => {
    becomeLive(core, namespaceId, selfName);
    outbox.follow(core.deliveries);
    const fresh = storeEvents(core, scores, events.map(toStoredEvent), now);
    for (const event of events) {
      for (const identity of event.identities) {
        const home = leadObjectName(namespaceId, identity.kind, identity.value) === selfName;
        if (core.store.identities.add({ ...identity, linked: home, explicit: identity.explicit === true })) core.identityGeneration++;
      }
      if (event.type === "identify" || event.type === "group") scores.mergeFirmographics(firmographicsFromTraits(traitsOf(event)));
      if (event.type === "identify") scores.mergeProfile(profileFromTraits(traitsOf(event)));
    }
    if (fresh.length > 0) scores.afterChange();
    return fresh.map((event) => event.messageId);
  });
}

/**
 * Inserts the events whose messageId is new and brings the running score up
 * to date: appended when they all follow the log's last row (the usual
 * case), else inserted and rescored from the earliest of them.
 */
function storeEvents(core: LeadCore, scores: LeadScores, events: StoredEvent[], now: number): StoredEvent[] {
  const appended = core.store.log.appendInOrder(events, scores.scorer(), scores.capOf(), now);
  if (appended) return appended;
  const { earliest, new: fresh } = core.store.log.insertEvents(events, scores.scorer(), true);
  if (earliest) core.store.log.rescoreFrom(earliest, scores.capOf(), now);
  return fresh;
}

function becomeLive(core: LeadCore, namespaceId: string, selfName: string): void {
  const { store } = core;
  const owner = store.meta.get("namespace_id");
  if (owner !== undefined && owner !== namespaceId) throw new Error("lead belongs to another namespace");
  if (store.meta.get("created_at") !== undefined) return;
  store.meta.set("namespace_id", namespaceId);
  store.meta.set("name", selfName);
  store.meta.set("created_at", String(Date.now()));
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
