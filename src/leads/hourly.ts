// Events per hour over the last day, for the overview. Each lead counts its
// own events per hour (index ts / HOUR_MS) in the summary it already sends to
// the D1 projection; the overview sums them over the leads active in the day.
// A lead's last summary covers every event up to its last activity, so the
// sum is exact up to the projection's lag, with no write per event.

export const HOUR_MS = 3_600_000;
/** The current hour and the 23 before it. */
export const HOURS_KEPT = 24;

export const hourOf = (ts: number) => Math.floor(ts / HOUR_MS);

/** The oldest hour the chart shows at `now`. */
export const firstHourKept = (now: number) => hourOf(now) - (HOURS_KEPT - 1);

/** Counts per hour index as 24 counts, oldest first, the last one the current hour; other hours are left out. */
export function hourlySeries(counts: ReadonlyArray<{ hour: number; events: number }>, now: number): number[] {
  const first = firstHourKept(now);
  const series = new Array<number>(HOURS_KEPT).fill(0);
  for (const { hour, events } of counts) {
    const i = hour - first;
    if (i >= 0 && i < HOURS_KEPT) series[i]! += events;
  }
  return series;
}
