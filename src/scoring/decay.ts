import { DAY_MS } from "./velocity";

/** Days without events before the behaviour score starts to fall. */
export const DECAY_GRACE_DAYS = 7;
/** The share of the behaviour score lost on each further day. */
export const DECAY_RATE = 0.05;

export const roundScore = (n: number): number => Math.round(n * 100) / 100;

/** The behaviour-score multiplier after `daysInactive` whole days without events. */
export function decayFactor(daysInactive: number): number {
  const decayDays = Math.floor(daysInactive) - DECAY_GRACE_DAYS;
  return decayDays > 0 ? (1 - DECAY_RATE) ** decayDays : 1;
}

/** Where a quiet stretch's decay stands: `days` steps taken, the last at `ts`. */
export interface Decayed {
  days: number;
  ts: number;
  scoreAfter: number;
}

/**
 * The decay a positive score at `lastEventTs` has taken strictly before
 * `until`: one step a day from day 8 on, each taking 5%, computed in closed
 * form (score × 0.95^days, rounded to hundredths), so a stretch of any length
 * costs the same. The score's floor is 0: once it rounds to 0 it stops
 * decaying, and no further day counts. Null when no step is due yet, or the
 * score is 0 or negative (it does not decay).
 */
export function decayBefore(score: number, lastEventTs: number, until: number): Decayed | null {
  if (score <= 0) return null;
  // Steps fall at lastEventTs + d days for d ≥ 8; the last one strictly before `until`.
  const lastDay = Math.ceil((until - lastEventTs) / DAY_MS) - 1;
  const due = Math.min(lastDay - DECAY_GRACE_DAYS, daysToFloor(score));
  if (!(due > 0)) return null;
  return { days: due, ts: stepAt(lastEventTs, due), scoreAfter: decayedScore(score, due) };
}

export function decayedScore(score: number, days: number): number {
  return roundScore(score * (1 - DECAY_RATE) ** days);
}

/** The number of steps after which `score` (positive) rounds to 0. */
export function daysToFloor(score: number): number {
  let days = Math.max(1, Math.floor(Math.log(0.005 / score) / Math.log(1 - DECAY_RATE)));
  // The logarithm lands within a step of it; rounding decides exactly.
  while (days > 1 && decayedScore(score, days - 1) === 0) days--;
  while (decayedScore(score, days) !== 0) days++;
  return days;
}

/** When decay step number `step` (1 = the first) after the event at `lastEventTs` falls. */
export function stepAt(lastEventTs: number, step: number): number {
  return lastEventTs + (DECAY_GRACE_DAYS + step) * DAY_MS;
}

/** When the next decay step after `lastEventTs` falls due, counting steps already taken. */
export function nextDecayAt(lastEventTs: number, stepsTaken: number): number {
  return stepAt(lastEventTs, stepsTaken + 1);
}
