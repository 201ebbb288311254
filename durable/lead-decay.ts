/**
 * Decay: a lead that goes quiet loses points in steps (src/scoring/decay.ts);
 * the store keeps the quiet stretch as a decay row after the last event, and
 * the alarm rewrites it when a step falls due.
 */
import type { LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";

/** When the next decay step falls due, if the lead decays at all. */
export function nextDecayAt(core: LeadCore): number | undefined {
  if (core.forwardTo()) return undefined;
  return core.store.log.nextDecayAt();
}

/** Brings the quiet stretch's decay row up to date once a step has fallen due. */
export function applyDueDecay(core: LeadCore, scores: LeadScores, now: number): void {
  const dueAt = nextDecayAt(core);
  const lastEventTs = core.store.log.lastEventTs();
  if (dueAt === undefined || dueAt > now || lastEventTs === undefined) return;
  core.transact(() => {
    // Anchored on the last event: only the decay rows after it are rewritten.
    core.store.log.rescoreFrom({ ts: lastEventTs + 1, id: "" }, scores.capOf(), now);
    scores.afterChange();
  });
}
