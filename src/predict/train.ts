import type { Example } from "./examples";
import { featureSpaceOf, vectorize, type FeatureSpace } from "./features";
import { DEFAULT_L2, fitLogistic, logit, sigmoid, type LogisticModel, type TrainingMatrix } from "./logistic";
import { auc, evaluate, precisionAtTop, type Evaluation } from "./evaluate";

/**
 * Below this many converters among the training examples, or
 * MIN_HOLDOUT_POSITIVES among the holdout's, no model is trained: a few
 * dozen outcomes cannot support ~60 weights nor an honest evaluation.
 */
export const MIN_POSITIVES = 50;
export const MIN_HOLDOUT_POSITIVES = 10;
/** A model ranks leads only with a holdout AUC of at least this and above the rules' AUC on the same holdout. */
export const MIN_USEFUL_AUC = 0.6;
/** Training examples kept at most (memory: ~60 floats each); above it, non-converters are sampled and weighted. */
export const MAX_TRAINING_EXAMPLES = 50_000;

/** Platt scaling: p = σ(a·z + b) on the model's log-odds z. */
export interface Calibration {
  a: number;
  b: number;
}

export interface PredictiveModel {
  space: FeatureSpace;
  logistic: LogisticModel;
  calibration: Calibration;
}

export interface ModelReport {
  trainedAt: number;
  training: { examples: number; positives: number; sampledNegativesRate: number; iterations: number };
  holdout: { model: Evaluation; rules: { auc: number; precisionAtTop10: number } };
  /** Whether the model ranks leads; when false, `reason` says why. */
  used: boolean;
  reason: string;
  /** Standardised weights, largest effect first. */
  weights: { feature: string; weight: number }[];
}

export type TrainingOutcome =
  | { status: "trained"; model: PredictiveModel; report: ModelReport }
  | { status: "insufficient"; reason: string; counts: { trainingExamples: number; trainingPositives: number; holdoutExamples: number; holdoutPositives: number } };

/** A small seeded generator (mulberry32): the same examples sample the same way. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matrixOf(examples: readonly Example[], space: FeatureSpace, weights?: Float64Array): TrainingMatrix {
  const columns = space.names.length;
  const x = new Float32Array(examples.length * columns);
  const y = new Uint8Array(examples.length);
  const row = new Float64Array(columns);
  examples.forEach((e, r) => {
    x.set(vectorize(e.snapshot, space, row), r * columns);
    y[r] = e.label ? 1 : 0;
  });
  return { x, y, rows: examples.length, columns, weight: weights };
}

/** Keeps every converter and a sample of the rest, each kept non-converter weighted for those it stands for. */
function sampled(examples: readonly Example[], cap: number): { kept: Example[]; weights: Float64Array; rate: number } {
  const positives = examples.filter((e) => e.label);
  const negatives = examples.filter((e) => !e.label);
  const rate = examples.length <= cap ? 1 : Math.max(0.01, (cap - positives.length) / negatives.length);
  const random = seededRandom(examples.length);
  const kept = [...positives, ...(rate === 1 ? negatives : negatives.filter(() => random() < rate))];
  const weights = new Float64Array(kept.length).map((_, i) => (i < positives.length ? 1 : 1 / rate));
  return { kept, weights, rate };
}

/** Platt scaling fitted on `examples` (the newest training moment): one feature, the model's log-odds. */
function calibrationOn(model: LogisticModel, space: FeatureSpace, examples: readonly Example[]): Calibration {
  const row = new Float64Array(space.names.length);
  const x = new Float64Array(examples.map((e) => logit(model, vectorize(e.snapshot, space, row))));
  const y = new Uint8Array(examples.map((e) => (e.label ? 1 : 0)));
  const fitted = fitLogistic({ x, y, rows: examples.length, columns: 1 }, 1e-3);
  // Back from standardised to raw log-odds: σ(b0 + w·(z − mean)/scale).
  const a = fitted.weights[0]! / fitted.scales[0]!;
  return { a, b: fitted.intercept - a * fitted.means[0]! };
}

export function probabilityOf(model: PredictiveModel, z: number): number {
  return sigmoid(model.calibration.a * z + model.calibration.b);
}

/**
 * Trains on the examples of the training moments, calibrates on the newest
 * of them, and evaluates model and rules side by side on the holdout moment.
 */
export function trainModel(examples: readonly Example[], outcomeEvents: readonly string[], trainedAt: number, l2 = DEFAULT_L2): TrainingOutcome {
  const training = examples.filter((e) => !e.holdout);
  const holdout = examples.filter((e) => e.holdout);
  const counts = {
    trainingExamples: training.length,
    trainingPositives: training.filter((e) => e.label).length,
    holdoutExamples: holdout.length,
    holdoutPositives: holdout.filter((e) => e.label).length,
  };
  if (counts.trainingPositives < MIN_POSITIVES || counts.holdoutPositives < MIN_HOLDOUT_POSITIVES) {
    return {
      status: "insufficient",
      reason:
        `a model needs at least ${MIN_POSITIVES} conversions among the training examples and ${MIN_HOLDOUT_POSITIVES} in the holdout; ` +
        `found ${counts.trainingPositives} and ${counts.holdoutPositives}`,
      counts,
    };
  }
  const space = featureSpaceOf(
    training.map((e) => e.snapshot),
    outcomeEvents,
  );
  const { kept, weights, rate } = sampled(training, MAX_TRAINING_EXAMPLES);
  const fitted = fitLogistic(matrixOf(kept, space, weights), l2);
  const { iterations, ...logistic } = fitted;
  const newest = Math.max(...training.map((e) => e.snapshot.at));
  const calibration = calibrationOn(logistic, space, training.filter((e) => e.snapshot.at === newest));
  const model: PredictiveModel = { space, logistic, calibration };

  const row = new Float64Array(space.names.length);
  const probabilities = holdout.map((e) => probabilityOf(model, logit(logistic, vectorize(e.snapshot, space, row))));
  const labels = holdout.map((e) => e.label);
  const ruleScores = holdout.map((e) => e.snapshot.ruleScore);
  const evaluation = evaluate(probabilities, labels);
  const rules = { auc: auc(ruleScores, labels), precisionAtTop10: precisionAtTop(ruleScores, labels, 0.1) };
  const used = evaluation.auc >= MIN_USEFUL_AUC && evaluation.auc > rules.auc;
  const reason = used
    ? `holdout AUC ${evaluation.auc.toFixed(3)} beats the rules' ${rules.auc.toFixed(3)}`
    : evaluation.auc < MIN_USEFUL_AUC
      ? `holdout AUC ${evaluation.auc.toFixed(3)} is below ${MIN_USEFUL_AUC}: the history shows no usable signal; the rules rank leads`
      : `holdout AUC ${evaluation.auc.toFixed(3)} does not beat the rules' ${rules.auc.toFixed(3)}; the rules rank leads`;
  return {
    status: "trained",
    model,
    report: {
      trainedAt,
      training: { examples: training.length, positives: counts.trainingPositives, sampledNegativesRate: rate, iterations },
      holdout: { model: evaluation, rules },
      used,
      reason,
      weights: space.names
        .map((feature, i) => ({ feature, weight: logistic.weights[i]! }))
        .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.feature < b.feature ? -1 : 1)),
    },
  };
}
