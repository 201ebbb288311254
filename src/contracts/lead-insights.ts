// What the console's read-only views over a namespace's leads are answered (src/routes/lead-insights.ts, and the
// namespace's stats in src/routes/admin.ts): counted from the D1 projection (src/db/projection.ts, src/db/overview.ts)
// or explained from the lead's log. Shared with the console's Overview and Lead screens.
import type { ScoreExplanation } from "../scoring/explain";
import type { ListedLead } from "./listed-lead";
import type { StageChange } from "./lead-rpc";

/** A namespace's totals from the projection (src/db/projection.ts namespaceStats); times in ISO 8601. */
export interface NamespaceStats {
  leads: number;
  events: number;
  averageScore: number;
  lastActivity: string | null;
  projectedAt: string | null;
  byStage: Record<string, number>;
  byGrade: Record<string, number>;
}

/** GET /api/leads/overview: the totals, the score distribution, the leads heating up and events per hour. */
export interface LeadOverview extends NamespaceStats {
  /** Leads per score bucket of ten points, the last one 100 and up. */
  scoreHistogram: number[];
  topMovers: ListedLead[];
  /** Events counted per hour from `from` (ISO 8601), oldest first. */
  eventsPerHour: { from: string; counts: number[] };
}

/** GET /api/leads/:id/explain: the score split into its parts, with the lead's history. */
export interface LeadExplanation extends ScoreExplanation {
  leadId: string;
  stage: string;
  grade: string;
  scoringVersion: { lead: number; namespace: number };
  history: Array<{ at: string; type: string; behaviour: number }>;
  stageChanges: StageChange[];
}
