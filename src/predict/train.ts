import type { Example } from "./examples";
import { FeatureSpaceBuilder, vectorize, type FeatureSpace } from "./features";
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

/** Rows of a matrix that grows as rows are added (Float32: memory is the limit on a Worker, precision is not). */
class RowBuffer {
  x: Float32Array;
  readonly y: number[] = [];
  readonly weight: number[] = [];
  rows = 0;

  constructor(readonly columns: number, capacity: number) {
    this.x = new Float32Array(Math.max(1, capacity) * columns);
  }

  push(vector: Float64Array, label: boolean, weight: number): void {
    if ((this.rows + 1) * this.columns > this.x.length) {
      const grown = new Float32Array(Math.ceil(this.x.length * 1.5) + this.columns);
      grown.set(this.x);
      this.x = grown;
    }
    this.x.set(vector, this.rows * this.columns);
    this.y.push(label ? 1 : 0);
    this.weight.push(weight);
    this.rows++;
  }

  matrix(): TrainingMatrix {
    return { x: this.x.subarray(0, this.rows * this.columns), y: Uint8Array.from(this.y), rows: this.rows, columns: this.columns, weight: Float64Array.from(this.weight) };
  }
}

/** Platt scaling on (log-odds, label) pairs of the newest training moment. */
function plattScaling(z: Float64Array, labels: Uint8Array): Calibration {
  const fitted = fitLogistic({ x: z, y: labels, rows: z.length, columns: 1 }, 1e-3);
  // Back from standardised to raw log-odds: σ(b0 + w·(z − mean)/scale).
  const a = fitted.weights[0]! / fitted.scales[0]!;
  return { a, b: fitted.intercept - a * fitted.means[0]! };
}

/** Examples, all at once or as pages read one at a time (a run's pages from D1): training holds one page at a time. */
export type ExampleSource = readonly Example[] | (() => AsyncIterable<readonly Example[]>);

async function* pagesOf(source: ExampleSource): AsyncIterable<readonly Example[]> {
  if (typeof source === "function") yield* source();
  else yield source;
}

export function probabilityOf(model: PredictiveModel, z: number): number {
  return sigmoid(model.calibration.a * z + model.calibration.b);
}

/**
 * Trains on the examples of the training moments, calibrates on the newest
 * of them, and evaluates model and rules side by side on the holdout moment.
 *
 * Three passes over the examples, so memory stays bounded whatever the
 * namespace's size: (1) counts and the feature space, (2) the training
 * matrix (at most MAX_TRAINING_EXAMPLES rows: above it non-converters are
 * sampled and weighted), fitted; (3) the newest training moment's log-odds
 * for calibration and the holdout's probabilities and rule scores (a few
 * numbers per example).
 */
export async function trainModel(source: ExampleSource, outcomeEvents: readonly string[], trainedAt: number, l2 = DEFAULT_L2): Promise<TrainingOutcome> {
  const counts = { trainingExamples: 0, trainingPositives: 0, holdoutExamples: 0, holdoutPositives: 0 };
  const builder = new FeatureSpaceBuilder(outcomeEvents);
  let newest = -Infinity;
  let newestCount = 0;
  for await (const page of pagesOf(source)) {
    for (const e of page) {
      if (e.holdout) {
        counts.holdoutExamples++;
        if (e.label) counts.holdoutPositives++;
        continue;
      }
      counts.trainingExamples++;
      if (e.label) counts.trainingPositives++;
      builder.add(e.snapshot);
      if (e.snapshot.at > newest) [newest, newestCount] = [e.snapshot.at, 0];
      if (e.snapshot.at === newest) newestCount++;
    }
  }
  if (counts.trainingPositives < MIN_POSITIVES || counts.holdoutPositives < MIN_HOLDOUT_POSITIVES) {
    return {
      status: "insufficient",
      reason:
        `a model needs at least ${MIN_POSITIVES} conversions among the training examples and ${MIN_HOLDOUT_POSITIVES} in the holdout; ` +
        `found ${counts.trainingPositives} and ${counts.holdoutPositives}`,
      counts,
    };
  }
  const space = builder.build();
  const columns = space.names.length;
  const row = new Float64Array(columns);

  const negatives = counts.trainingExamples - counts.trainingPositives;
  const rate = counts.trainingExamples <= MAX_TRAINING_EXAMPLES ? 1 : Math.max(0.01, (MAX_TRAINING_EXAMPLES - counts.trainingPositives) / negatives);
  const random = seededRandom(counts.trainingExamples);
  const kept = new RowBuffer(columns, Math.min(counts.trainingExamples, Math.ceil(counts.trainingPositives + negatives * rate * 1.05) + 16));
  for await (const page of pagesOf(source)) {
    for (const e of page) {
      if (e.holdout || (!e.label && rate < 1 && random() >= rate)) continue;
      kept.push(vectorize(e.snapshot, space, row), e.label, e.label ? 1 : 1 / rate);
    }
  }
  const { iterations, ...logistic } = fitLogistic(kept.matrix(), l2);

  const newestZ = new Float64Array(newestCount);
  const newestLabels = new Uint8Array(newestCount);
  const holdoutZ = new Float64Array(counts.holdoutExamples);
  const labels = new Uint8Array(counts.holdoutExamples);
  const ruleScores = new Float64Array(counts.holdoutExamples);
  let n = 0;
  let h = 0;
  for await (const page of pagesOf(source)) {
    for (const e of page) {
      if (e.holdout) {
        holdoutZ[h] = logit(logistic, vectorize(e.snapshot, space, row));
        labels[h] = e.label ? 1 : 0;
        ruleScores[h++] = e.snapshot.ruleScore;
      } else if (e.snapshot.at === newest) {
        newestZ[n] = logit(logistic, vectorize(e.snapshot, space, row));
        newestLabels[n++] = e.label ? 1 : 0;
      }
    }
  }
  const model: PredictiveModel = { space, logistic, calibration: plattScaling(newestZ, newestLabels) };
  const probabilities = holdoutZ.map((z) => probabilityOf(model, z));
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
      training: { examples: counts.trainingExamples, positives: counts.trainingPositives, sampledNegativesRate: rate, iterations },
      holdout: { model: evaluation, rules },
      used,
      reason,
      weights: space.names
        .map((feature, i) => ({ feature, weight: logistic.weights[i]! }))
        .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.feature < b.feature ? -1 : 1)),
    },
  };
}
