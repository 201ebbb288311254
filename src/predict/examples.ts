import { outcomeAt, type LeadHistory, type OutcomeDefinition } from "./history";
import { DAY_MS, snapshotAt, type LeadSnapshot } from "./snapshot";

/**
 * The question the model answers: will this lead convert within the next
 * HORIZON_DAYS? Training looks back at moments in the past where the answer
 * is known: at each moment, every lead that existed and had not converted yet
 * is an example, described as of that moment and labelled by whether it
 * converted in the HORIZON_DAYS after it.
 *
 * The moments are the same for every lead and never depend on its outcome,
 * so the label cannot leak into which leads or which facts are seen.
 */
export const HORIZON_DAYS = 30;
/** Training moments, each STEP_DAYS before the previous one. */
export const TRAINING_MOMENTS = 4;
export const STEP_DAYS = 14;

export interface SnapshotPlan {
  /** Moments whose examples train the model, oldest first: their labels all end by the holdout moment. */
  training: number[];
  /** The holdout moment: examples at it are labelled by what happened after it and evaluate the model. */
  holdout: number;
  horizonMs: number;
}

/** The plan for a training run at `now`: the holdout moment is one horizon back, the training moments before it. */
export function snapshotPlan(now: number, moments = TRAINING_MOMENTS): SnapshotPlan {
  const horizonMs = HORIZON_DAYS * DAY_MS;
  const holdout = now - horizonMs;
  const latestTraining = holdout - horizonMs;
  const training = Array.from({ length: moments }, (_, i) => latestTraining - (moments - 1 - i) * STEP_DAYS * DAY_MS);
  return { training, holdout, horizonMs };
}

export interface Example {
  snapshot: LeadSnapshot;
  /** Converted in [at, at + horizon). */
  label: boolean;
  holdout: boolean;
}

/**
 * The lead's examples under `plan`: one per moment at which it existed and
 * had not converted yet. The features are the snapshot as of the moment
 * (rows strictly before it); the label is read from the outcome's time only.
 */
export function examplesOf(history: LeadHistory, outcome: OutcomeDefinition, plan: SnapshotPlan): Example[] {
  const converted = outcomeAt(history, outcome);
  const examples: Example[] = [];
  const moments = [...plan.training.map((at) => ({ at, holdout: false })), { at: plan.holdout, holdout: true }];
  for (const { at, holdout } of moments) {
    if (converted !== null && converted < at) continue;
    const snapshot = snapshotAt(history, at);
    if (!snapshot) continue;
    examples.push({ snapshot, label: converted !== null && converted < at + plan.horizonMs, holdout });
  }
  return examples;
}
