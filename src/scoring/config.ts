import { DEFAULT_ICP_TABLE, type IcpTable } from "./icp";
import type { ScoringRule } from "./rules";

/** Everything a lead object scores with; `version` grows with every change in the namespace. */
export interface ScoringConfig {
  version: number;
  rules: ScoringRule[];
  icpTable: IcpTable;
}

export const DEFAULT_SCORING: ScoringConfig = { version: 0, rules: [], icpTable: DEFAULT_ICP_TABLE };
