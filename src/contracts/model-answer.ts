// GET /api/model (src/routes/model.ts): what "converted" means in the namespace, the model in use and the evidence
// for it, and its latest training run. Shared with the console's Model screen.
import type { OutcomeDefinition } from "../predict/history";
import type { ModelReport, TrainingOutcome } from "../predict/train";

/** A training run as the API shows it; times in ISO 8601. */
export interface ShownRun {
  id: string;
  status: "collecting" | "fitting" | "completed" | "failed";
  trigger: "api" | "cron";
  pages: number;
  leads: number;
  examples: number;
  error: string | null;
  startedAt: string;
  updatedAt: string;
}

/** The namespace's model: a trained one's report, or the counts that fell short (the other branch's keys absent). */
export type ShownModel = { status: "trained" | "insufficient"; trainedAt: string } & (
  | { counts: Extract<TrainingOutcome, { status: "insufficient" }>["counts"]; training?: never; holdout?: never; weights?: never }
  | (Pick<ModelReport, "training" | "holdout" | "weights"> & { counts?: never })
);

export interface ModelAnswer {
  outcomes: OutcomeDefinition | null;
  horizonDays: number;
  thresholds: { minPositives: number; minHoldoutPositives: number; minUsefulAuc: number };
  used: boolean;
  reason: string;
  model: ShownModel | null;
  run: ShownRun | null;
}
