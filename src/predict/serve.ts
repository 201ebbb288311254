import { vectorize } from "./features";
import { logit } from "./logistic";
import type { LeadSnapshot } from "./snapshot";
import { probabilityOf, type PredictiveModel } from "./train";

/** A feature and how much it moved the lead's log-odds from the average training lead's. */
export interface TopFeature {
  feature: string;
  contribution: number;
}

export interface Prediction {
  /** Calibrated chance of converting within the horizon (0–1). */
  conversionProbability: number;
  /** The three features that moved the log-odds most from the average training lead's, with by how much. */
  topFeatures: TopFeature[];
}

export function predict(model: PredictiveModel, snapshot: LeadSnapshot): Prediction {
  const x = vectorize(snapshot, model.space);
  const { logistic } = model;
  const topFeatures = model.space.names
    .map((feature, c) => ({ feature, contribution: (logistic.weights[c]! * (x[c]! - logistic.means[c]!)) / logistic.scales[c]! }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1))
    .slice(0, 3);
  return { conversionProbability: probabilityOf(model, logit(logistic, x)), topFeatures };
}
