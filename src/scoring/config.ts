import { DEFAULT_ICP_TABLE, type IcpTable } from "./icp";
import type { ScoringRule } from "./rules";

/** Everything a lead object scores with; `version` grows with every change in the namespace. */
export interface ScoringConfig {
  version: number;
  rules: ScoringRule[];
  icpTable: IcpTable;
  /** Days a lead keeps its events (older ones are pruned into a baseline); null keeps them all. */
  retentionDays: number | null;
}

export const DEFAULT_SCORING: ScoringConfig = { version: 0, rules: [], icpTable: DEFAULT_ICP_TABLE, retentionDays: null };
