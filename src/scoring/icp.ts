/** Firmographics a lead's ICP score is computed from, as found in traits or enrichment. */
export interface Firmographics {
  employees?: number;
  annualRevenue?: number;
  fundingStage?: string;
}

export interface RangeBucket {
  min: number;
  max: number | null;
  points: number;
}

/** Points per firmographic; configurable per namespace. */
export interface IcpTable {
  companySize: RangeBucket[];
  annualRevenue: RangeBucket[];
  funding: Record<string, number>;
}

export const DEFAULT_ICP_TABLE: IcpTable = {
  companySize: [
    { min: 1, max: 10, points: 10 },
    { min: 11, max: 50, points: 30 },
    { min: 51, max: 250, points: 40 },
  ],
  annualRevenue: [
    { min: 1_000_000, max: 10_000_000, points: 20 },
    { min: 10_000_001, max: 50_000_000, points: 40 },
  ],
  funding: { seed: 10, series_a: 15, series_b: 20 },
};

function bucketPoints(value: number | undefined, buckets: readonly RangeBucket[]): number {
  if (value === undefined) return 0;
  return buckets.find((b) => value >= b.min && (b.max === null || value <= b.max))?.points ?? 0;
}

/** `Series A`, `series-a` and `SERIES_A` are one stage. */
export function fundingKey(stage: string): string {
  return stage.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_");
}

/** ICP score 0–100: company size + annual revenue + funding stage points, capped at 100. */
export function icpScoreFor(firmographics: Firmographics, table: IcpTable = DEFAULT_ICP_TABLE): number {
  const funding = firmographics.fundingStage ? (table.funding[fundingKey(firmographics.fundingStage)] ?? 0) : 0;
  const total =
    bucketPoints(firmographics.employees, table.companySize) + bucketPoints(firmographics.annualRevenue, table.annualRevenue) + funding;
  return Math.max(0, Math.min(100, total));
}

const toNumber = (v: unknown): number | undefined => {
  const n = typeof v === "string" ? Number(v.replace(/[$,\s]/g, "")) : typeof v === "number" ? v : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/**
 * Reads firmographics from identify/group traits under the names Segment's
 * spec and common tools use (`employees`, `company.employee_count`,
 * `annual_revenue`, `funding_stage`…). Returns only what it found.
 */
export function firmographicsFromTraits(traits: Record<string, unknown>): Firmographics {
  const company = (typeof traits.company === "object" && traits.company !== null ? traits.company : {}) as Record<string, unknown>;
  const pick = (...values: unknown[]) => values.find((v) => v !== undefined && v !== null && v !== "");
  const found: Firmographics = {};
  const employees = toNumber(pick(traits.employees, traits.employee_count, traits.company_size, company.employees, company.employee_count));
  const revenue = toNumber(pick(traits.annual_revenue, traits.annualRevenue, company.annual_revenue, company.annualRevenue));
  const funding = pick(traits.funding_stage, traits.fundingStage, company.funding_stage, company.fundingStage);
  if (employees !== undefined) found.employees = employees;
  if (revenue !== undefined) found.annualRevenue = revenue;
  if (typeof funding === "string") found.fundingStage = funding;
  return found;
}
