import { matchRule, type ScoringRule } from "./rules";
import { DEFAULT_ICP_TABLE, fundingKey, type Firmographics, type IcpTable, type RangeBucket } from "./icp";
import { roundScore } from "./decay";

/** A timeline row as the explanation reads it (the lead's stored rows, in timestamp order). */
export interface ExplainRow {
  type: string;
  name: string;
  scoreDelta: number;
  /** The behaviour score after the row (a retention baseline carries its points here, not in scoreDelta). */
  runningScore: number;
  event: unknown;
}

export interface Contribution {
  key: string;
  label: string;
  points: number;
  count: number;
}

export interface ScoreExplanation {
  score: number;
  behaviour: {
    total: number;
    /** Points per rule that decided (key "default" for the built-in table). */
    byRule: Contribution[];
    /** Points per scored event name. */
    byEvent: Contribution[];
    /** Points lost to inactivity (negative). */
    decay: number;
    /** Points carried by the baseline row that replaced pruned events (retention). */
    retained: number;
  };
  icp: { total: number; companySize: number; annualRevenue: number; funding: number; cappedBy: number };
}

const DECAY = "decay";
const RETAINED = "retained";
const MERGE = "merge";

/**
 * Splits a lead's score into what made it: every row's points go to the rule
 * that decided it and to its event name; decay and retention baselines apart;
 * the ICP part per firmographic. The parts add up to the score exactly,
 * because they are the very points the timeline stored.
 */
export function explainScore(rows: readonly ExplainRow[], rules: readonly ScoringRule[], firmographics: Firmographics, icpTable: IcpTable = DEFAULT_ICP_TABLE): ScoreExplanation {
  const byRule = new Map<string, Contribution>();
  const byEvent = new Map<string, Contribution>();
  let decay = 0;
  let retained = 0;
  const add = (into: Map<string, Contribution>, key: string, label: string, points: number) => {
    const found = into.get(key) ?? { key, label, points: 0, count: 0 };
    found.points = roundScore(found.points + points);
    found.count++;
    into.set(key, found);
  };
  for (const row of rows) {
    if (row.type === DECAY) decay = roundScore(decay + row.scoreDelta);
    else if (row.type === RETAINED) retained = roundScore(retained + row.runningScore);
    else if (row.type !== MERGE) {
      const match = matchRule(row.name, row.event, rules);
      const rule = match.ruleId === null ? undefined : rules.find((r) => r.id === match.ruleId);
      add(byRule, match.ruleId ?? "default", rule ? ruleLabel(rule) : "default points table", row.scoreDelta);
      add(byEvent, row.name, row.name, row.scoreDelta);
    }
  }
  const sorted = (m: Map<string, Contribution>) => [...m.values()].sort((a, b) => b.points - a.points || a.key.localeCompare(b.key));
  const ruleList = sorted(byRule);
  const behaviour = roundScore(ruleList.reduce((sum, c) => sum + c.points, 0) + decay + retained);
  const icp = icpParts(firmographics, icpTable);
  return {
    score: roundScore(behaviour + icp.total),
    behaviour: { total: behaviour, byRule: ruleList, byEvent: sorted(byEvent), decay, retained },
    icp,
  };
}

function ruleLabel(rule: ScoringRule): string {
  const conditions = rule.conditions.map((c) => `${c.property} ${c.op}${c.value === undefined ? "" : ` ${String(c.value)}`}`);
  return `${rule.event} ${rule.points > 0 ? "+" : ""}${rule.points}${conditions.length > 0 ? ` when ${conditions.join(" and ")}` : ""}${rule.cap === null ? "" : ` (cap ${rule.cap})`}`;
}

const bucketPoints = (value: number | undefined, buckets: readonly RangeBucket[]) =>
  value === undefined ? 0 : (buckets.find((b) => value >= b.min && (b.max === null || value <= b.max))?.points ?? 0);

/** The ICP score per firmographic, as icpScoreFor adds it up (0–100; `cappedBy` is what the clamp took off, negative). */
export function icpParts(firmographics: Firmographics, table: IcpTable = DEFAULT_ICP_TABLE) {
  const companySize = bucketPoints(firmographics.employees, table.companySize);
  const annualRevenue = bucketPoints(firmographics.annualRevenue, table.annualRevenue);
  const funding = firmographics.fundingStage ? (table.funding[fundingKey(firmographics.fundingStage)] ?? 0) : 0;
  const sum = companySize + annualRevenue + funding;
  const total = Math.max(0, Math.min(100, sum));
  return { total, companySize, annualRevenue, funding, cappedBy: total - sum };
}
