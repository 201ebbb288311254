const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Velocity 0–10: how busy a lead has been in the last 24 hours.
 * Each activity event (track, page, screen) in the 24 h before `now` weighs
 * 1 − age/24 h, so an event just now counts 1 and one 12 h ago counts 0.5;
 * velocity = min(10, sum of weights / 2), rounded to one decimal.
 * Twenty fresh events, or forty spread evenly over the day, give 10.
 */
export function velocityFor(activityTimestamps: readonly number[], now: number): number {
  let weight = 0;
  for (const ts of activityTimestamps) {
    const age = now - ts;
    if (age >= 0 && age < DAY_MS) weight += 1 - age / DAY_MS;
  }
  return velocityFromWeight(weight);
}

/** Velocity from the summed weights (what lead objects sum in SQL). */
export function velocityFromWeight(weight: number): number {
  return Math.min(10, Math.round((weight / 2) * 10) / 10);
}

export { DAY_MS };
