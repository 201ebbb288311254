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

export interface DecayStep {
  ts: number;
  /** Negative: what the step takes off the score. */
  delta: number;
  scoreAfter: number;
}

/**
 * The decay steps after the last event at `lastEventTs`, strictly before
 * `until`: one a day from day 8 on, each taking 5% of the score (rounded to
 * hundredths). A score of 0 does not decay.
 */
export function decaySteps(score: number, lastEventTs: number, until: number): DecayStep[] {
  const steps: DecayStep[] = [];
  let current = score;
  for (let day = DECAY_GRACE_DAYS + 1; current > 0; day++) {
    const ts = lastEventTs + day * DAY_MS;
    if (ts >= until) break;
    const next = roundScore(current * (1 - DECAY_RATE));
    steps.push({ ts, delta: roundScore(next - current), scoreAfter: next });
    current = next;
  }
  return steps;
}

/** When the next decay step after `lastEventTs` falls due, counting steps already taken. */
export function nextDecayAt(lastEventTs: number, stepsTaken: number): number {
  return lastEventTs + (DECAY_GRACE_DAYS + 1 + stepsTaken) * DAY_MS;
}
