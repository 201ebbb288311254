import { icpScoreFor } from "../scoring/icp";
import type { LeadHistory, RowTraits } from "./history";

export const DAY_MS = 86_400_000;
/** The windows event counts are taken over, in days (the feature set's `_1d`, `_7d`, `_30d`). */
export const COUNT_WINDOWS_DAYS = [1, 7, 30] as const;

/**
 * What is known of a lead as of moment `at`, from its rows strictly before
 * `at` (nothing at or after it: see the leakage test). Raw and sparse: the
 * feature space (features.ts) turns it into a vector. Holds no identity or
 * address, so it may be stored in a training set.
 */
export interface LeadSnapshot {
  at: number;
  ageDays: number;
  /** Per activity key: events in the last 1, 7 and 30 days. */
  counts: Record<string, number[]>;
  /** Events in the week before the last one (days 7–14 back): velocity is the change from it. */
  eventsPrevWeek: number;
  daysSinceLastEvent: number | null;
  activeDays30: number;
  identities: number;
  traits: RowTraits;
  /** The rules' total score as of `at`: behaviour (running score) + ICP from the traits then known. */
  ruleScore: number;
}

/** The lead as of `at`; null when it had no row before `at` (it did not exist yet). */
export function snapshotAt(history: LeadHistory, at: number): LeadSnapshot | null {
  const rows = history.rows;
  const first = rows[0];
  if (!first || first.ts >= at) return null;
  const counts = new Map<string, number[]>();
  const traits: RowTraits = {};
  const activeDays = new Set<number>();
  let eventsPrevWeek = 0;
  let lastEvent: number | null = null;
  let behaviour = 0;
  let identities = 0;
  for (const row of rows) {
    if (row.ts >= at) break;
    behaviour = row.ruleScore;
    if (row.identities !== undefined) identities = row.identities;
    if (row.traits) mergeTraits(traits, row.traits);
    if (row.key === null) continue;
    lastEvent = row.ts;
    const ago = at - row.ts;
    if (ago <= 30 * DAY_MS) {
      let c = counts.get(row.key);
      if (!c) counts.set(row.key, (c = [0, 0, 0]));
      COUNT_WINDOWS_DAYS.forEach((days, i) => {
        if (ago <= days * DAY_MS) c[i]!++;
      });
      activeDays.add(Math.floor(ago / DAY_MS));
    }
    if (ago > 7 * DAY_MS && ago <= 14 * DAY_MS) eventsPrevWeek++;
  }
  const icp = icpScoreFor({ employees: traits.employees, annualRevenue: traits.annualRevenue, fundingStage: traits.fundingStage });
  return {
    at,
    ageDays: (at - first.ts) / DAY_MS,
    // Own properties only (defined, not assigned: no key reaches a prototype), and plain, so it crosses RPC and JSON.
    counts: Object.fromEntries(counts),
    eventsPrevWeek,
    daysSinceLastEvent: lastEvent === null ? null : (at - lastEvent) / DAY_MS,
    activeDays30: activeDays.size,
    identities,
    traits,
    ruleScore: behaviour + icp,
  };
}

/** Later rows add to what is known; the first-touch source is the first one seen and stays. */
function mergeTraits(into: RowTraits, row: RowTraits): void {
  if (row.employees !== undefined) into.employees = row.employees;
  if (row.annualRevenue !== undefined) into.annualRevenue = row.annualRevenue;
  if (row.fundingStage !== undefined) into.fundingStage = row.fundingStage;
  if (row.industry !== undefined) into.industry = row.industry;
  if (row.email !== undefined && into.email !== "corporate") into.email = row.email;
  if (row.source !== undefined && into.source === undefined) into.source = row.source;
}
