/**
 * Retention: events older than the namespace's retention are pruned into
 * the baseline row (see LeadStore.pruneBefore) by the alarm, when the oldest
 * one falls out of it.
 */
import { DAY_MS } from "../src/scoring/velocity";
import type { LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";

/**
 * Prunes the events retention no longer keeps: the score, stage and grade
 * stay what they were; eventCount and firstSeen then describe the events still held.
 */
export function applyRetention(core: LeadCore, scores: LeadScores, now: number): void {
  const cutoff = scores.retentionCutoff(now);
  if (cutoff === null || core.forwardTo()) return;
  const oldest = core.store.log.oldestEventTs();
  if (oldest === null || oldest >= cutoff) return;
  core.transact(() => {
    if (core.store.log.pruneBefore(cutoff, now) > 0) {
      core.projectionDirty = true;
      core.changeGeneration++;
    }
  });
}

/** When the oldest event falls out of retention, if the namespace limits it. */
export function nextPruneAt(core: LeadCore, scores: LeadScores): number | undefined {
  const days = scores.scoring().retentionDays ?? null;
  const oldest = core.store.log.oldestEventTs();
  if (days === null || oldest === null || core.forwardTo()) return undefined;
  return oldest + days * DAY_MS + 1;
}
