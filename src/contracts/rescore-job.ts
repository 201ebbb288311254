// A rescore job as the API shows it (src/queues/rescore.ts describeJob): after a change of the scoring rules, the ICP
// table or the retention, and in GET /api/scoring-rules/rescore-status. Shared with the console's Rules screen.

export interface ShownRescoreJob {
  id: string;
  status: "queued" | "running" | "completed";
  scoringVersion: number;
  total: number;
  processed: number;
  /** 0–100. */
  percentage: number;
  createdAt: string;
  updatedAt: string;
}
