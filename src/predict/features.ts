import { COUNT_WINDOWS_DAYS, type LeadSnapshot } from "./snapshot";

/**
 * The feature set, bounded whatever the namespace sends:
 *
 * - `events:<key>_1d|_7d|_30d`: log(1 + count) of each of the TOP_EVENT_KEYS
 *   most frequent activity keys of the training set (new event types enter
 *   at the next training), over the last 1, 7 and 30 days;
 * - `events:other_7d|_30d`: the same for every other key together;
 * - `events_30d`, `active_days_30d`, `velocity` (events this week − the week
 *   before, signed log), `days_since_last_event` (log, 365 when none),
 *   `age_days` (log);
 * - `identities` (known identities), `email_corporate`, `email_free`;
 * - `employees`, `annual_revenue` (log, 0 when unknown) and `employees_known`,
 *   `annual_revenue_known`;
 * - one-hots `funding:<stage>`, `industry:<name>`, `source:<utm_source>` for
 *   the TOP_CATEGORIES most frequent values of each in the training set.
 *
 * Outcome events are never features (a converted lead is past predicting).
 */
export const TOP_EVENT_KEYS = 10;
export const TOP_CATEGORIES = 6;

export interface FeatureSpace {
  eventKeys: string[];
  funding: string[];
  industries: string[];
  sources: string[];
  /** Names of the vector's positions, in order. */
  names: string[];
}

const log1p = (n: number) => Math.log1p(Math.max(0, n));
const signedLog = (n: number) => Math.sign(n) * Math.log1p(Math.abs(n));

function topValues(counts: Map<string, number>, n: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([value]) => value);
}

const bump = (counts: Map<string, number>, key: string | undefined, by = 1) => {
  if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + by);
};

/** Counts what the training snapshots hold, one at a time (a run streams them), then settles the space. */
export class FeatureSpaceBuilder {
  private readonly keys = new Map<string, number>();
  private readonly funding = new Map<string, number>();
  private readonly industries = new Map<string, number>();
  private readonly sources = new Map<string, number>();

  constructor(private readonly outcomeEvents: readonly string[]) {}

  add(s: LeadSnapshot): void {
    for (const [key, c] of Object.entries(s.counts)) if (!this.outcomeEvents.includes(key)) bump(this.keys, key, c[2] ?? 0);
    bump(this.funding, s.traits.fundingStage);
    bump(this.industries, s.traits.industry);
    bump(this.sources, s.traits.source);
  }

  build(): FeatureSpace {
    const space = {
      eventKeys: topValues(this.keys, TOP_EVENT_KEYS),
      funding: topValues(this.funding, TOP_CATEGORIES),
      industries: topValues(this.industries, TOP_CATEGORIES),
      sources: topValues(this.sources, TOP_CATEGORIES),
    };
    const windows = COUNT_WINDOWS_DAYS.map((d) => `_${d}d`);
    const names = [
      ...space.eventKeys.flatMap((key) => windows.map((w) => `events:${key}${w}`)),
      "events:other_7d",
      "events:other_30d",
      "events_30d",
      "active_days_30d",
      "velocity",
      "days_since_last_event",
      "age_days",
      "identities",
      "email_corporate",
      "email_free",
      "employees",
      "employees_known",
      "annual_revenue",
      "annual_revenue_known",
      ...space.funding.map((v) => `funding:${v}`),
      ...space.industries.map((v) => `industry:${v}`),
      ...space.sources.map((v) => `source:${v}`),
    ];
    return { ...space, names };
  }
}

/** The space learned from the training snapshots: which keys and categories get their own positions. */
export function featureSpaceOf(snapshots: readonly LeadSnapshot[], outcomeEvents: readonly string[]): FeatureSpace {
  const builder = new FeatureSpaceBuilder(outcomeEvents);
  for (const s of snapshots) builder.add(s);
  return builder.build();
}

/** The snapshot as a vector of the space's features (positions as in `space.names`). */
export function vectorize(s: LeadSnapshot, space: FeatureSpace, into = new Float64Array(space.names.length)): Float64Array {
  let i = 0;
  const known = new Set(space.eventKeys);
  for (const key of space.eventKeys) {
    const c = Object.hasOwn(s.counts, key) ? s.counts[key] : undefined;
    for (let w = 0; w < COUNT_WINDOWS_DAYS.length; w++) into[i++] = log1p(c?.[w] ?? 0);
  }
  let other7 = 0;
  let other30 = 0;
  let total30 = 0;
  let total7 = 0;
  for (const [key, c] of Object.entries(s.counts)) {
    total30 += c[2] ?? 0;
    total7 += c[1] ?? 0;
    if (!known.has(key)) {
      other7 += c[1] ?? 0;
      other30 += c[2] ?? 0;
    }
  }
  into[i++] = log1p(other7);
  into[i++] = log1p(other30);
  into[i++] = log1p(total30);
  into[i++] = s.activeDays30;
  into[i++] = signedLog(total7 - s.eventsPrevWeek);
  into[i++] = log1p(s.daysSinceLastEvent ?? 365);
  into[i++] = log1p(s.ageDays);
  into[i++] = s.identities;
  into[i++] = s.traits.email === "corporate" ? 1 : 0;
  into[i++] = s.traits.email === "free" ? 1 : 0;
  into[i++] = log1p(s.traits.employees ?? 0);
  into[i++] = s.traits.employees === undefined ? 0 : 1;
  into[i++] = log1p(s.traits.annualRevenue ?? 0);
  into[i++] = s.traits.annualRevenue === undefined ? 0 : 1;
  for (const v of space.funding) into[i++] = s.traits.fundingStage === v ? 1 : 0;
  for (const v of space.industries) into[i++] = s.traits.industry === v ? 1 : 0;
  for (const v of space.sources) into[i++] = s.traits.source === v ? 1 : 0;
  return into;
}
