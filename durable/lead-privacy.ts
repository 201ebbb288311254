/**
 * Erasure and export (src/privacy/): what a lead object does for them. An
 * erasure first marks the lead (it drops events from then on) and answers its
 * identities, then wipes the lead and every home object of those identities,
 * each keeping only the `erased` mark.
 */
import type { LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";
import { toTimelineEntry } from "./lead-timeline";
import type { ErasePlan, LeadExport } from "../src/contracts/lead-rpc";
export type { ErasePlan, LeadExport };

/** Marks the live lead erased (it drops events from now on); null when there is no such live lead here. */
export function prepareErase(core: LeadCore, namespaceId: string): ErasePlan | null {
  const { store } = core;
  if (core.forwardTo() || !core.isLive() || store.meta.get("namespace_id") !== namespaceId) return null;
  if (!core.isErased()) store.meta.set("erased", namespaceId);
  return { name: store.meta.get("name")!, identities: store.identities.all().map(({ kind, value }) => ({ kind, value })) };
}

/** Wipes the object down to the erased mark, unless it is another live lead; answers whether it was wiped. */
export async function erase(core: LeadCore, scores: LeadScores, namespaceId: string, selfName: string, leadName: string): Promise<boolean> {
  const { store } = core;
  const owner = store.meta.get("namespace_id") ?? store.meta.get("erased");
  if (owner !== undefined && owner !== namespaceId) return false;
  const live = core.isLive() && !core.forwardTo();
  if (live && store.meta.get("name") !== leadName) return false;
  core.transact(() => store.wipe({ erased: namespaceId, name: selfName }));
  scores.forget();
  core.identityGeneration = 1;
  core.settledGeneration = 1;
  await core.deleteAlarm();
  return true;
}

/** Every row of the timeline (not paged) and the identities with their link state (this lead is live). */
export function exportData(core: LeadCore): LeadExport {
  return { timeline: core.store.log.allRows().map(toTimelineEntry), identities: core.store.identities.toMove() };
}
