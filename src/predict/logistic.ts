/**
 * L2-regularised logistic regression, fitted by Newton's method (iteratively
 * reweighted least squares) on standardised features. Weights are in
 * standard deviations of their feature, so they compare with one another;
 * the intercept is not penalised. Rows may carry weights (a sampled-down
 * class counts for the rows it stands for).
 */
export interface LogisticModel {
  means: number[];
  scales: number[];
  weights: number[];
  intercept: number;
}

export interface TrainingMatrix {
  /** Row-major, `rows × columns`. */
  x: Float32Array | Float64Array;
  y: Uint8Array;
  rows: number;
  columns: number;
  /** Per-row weight (1 when absent). */
  weight?: Float64Array;
}

export const DEFAULT_L2 = 1;
const MAX_ITERATIONS = 30;
const TOLERANCE = 1e-7;

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Means and standard deviations of the columns (a constant column gets scale 1, so its weight stays 0). */
export function columnStats(m: TrainingMatrix): { means: number[]; scales: number[] } {
  const { x, rows, columns } = m;
  const means = new Array<number>(columns).fill(0);
  const squares = new Array<number>(columns).fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * columns;
    for (let c = 0; c < columns; c++) {
      const v = x[base + c]!;
      means[c]! += v;
      squares[c]! += v * v;
    }
  }
  const scales = means.map((sum, c) => {
    const mean = sum / Math.max(1, rows);
    means[c] = mean;
    const variance = squares[c]! / Math.max(1, rows) - mean * mean;
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { means, scales };
}

/** The model's linear predictor (log-odds) for one raw feature vector. */
export function logit(model: LogisticModel, row: ArrayLike<number>, offset = 0): number {
  let z = model.intercept;
  for (let c = 0; c < model.weights.length; c++) z += (model.weights[c]! * (row[offset + c]! - model.means[c]!)) / model.scales[c]!;
  return z;
}

export function predictProbability(model: LogisticModel, row: ArrayLike<number>, offset = 0): number {
  return sigmoid(logit(model, row, offset));
}

/** Penalised negative log-likelihood of the (standardised) model on the data. */
function loss(m: TrainingMatrix, z: Float64Array, beta: Float64Array, l2: number): number {
  let total = 0;
  for (let r = 0; r < m.rows; r++) {
    const zr = z[r]!;
    // log(1 + e^z) − y·z, computed without overflow.
    const softplus = zr > 0 ? zr + Math.log1p(Math.exp(-zr)) : Math.log1p(Math.exp(zr));
    total += (m.weight?.[r] ?? 1) * (softplus - m.y[r]! * zr);
  }
  for (let c = 1; c < beta.length; c++) total += 0.5 * l2 * beta[c]! * beta[c]!;
  return total;
}

/** Fits the model; `l2` is the penalty ½·l2·Σw² on the standardised weights (the intercept is free). */
export function fitLogistic(m: TrainingMatrix, l2 = DEFAULT_L2): LogisticModel & { iterations: number } {
  const { means, scales } = columnStats(m);
  const d = m.columns + 1; // position 0: the intercept
  const beta = new Float64Array(d);
  const z = new Float64Array(m.rows);
  const row = new Float64Array(d);
  const standardRow = (r: number) => {
    row[0] = 1;
    const base = r * m.columns;
    for (let c = 0; c < m.columns; c++) row[c + 1] = (m.x[base + c]! - means[c]!) / scales[c]!;
    return row;
  };
  const linear = (b: Float64Array) => {
    for (let r = 0; r < m.rows; r++) {
      const v = standardRow(r);
      let s = 0;
      for (let c = 0; c < d; c++) s += b[c]! * v[c]!;
      z[r] = s;
    }
  };
  linear(beta);
  let current = loss(m, z, beta, l2);
  let iterations = 0;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    const gradient = new Float64Array(d);
    const hessian = new Float64Array(d * d);
    for (let r = 0; r < m.rows; r++) {
      const v = standardRow(r);
      const p = sigmoid(z[r]!);
      const w = m.weight?.[r] ?? 1;
      const g = w * (p - m.y[r]!);
      const h = w * Math.max(p * (1 - p), 1e-12);
      for (let i = 0; i < d; i++) {
        const vi = v[i]!;
        if (vi === 0) continue;
        gradient[i]! += g * vi;
        const hv = h * vi;
        const at = i * d;
        for (let j = i; j < d; j++) hessian[at + j]! += hv * v[j]!;
      }
    }
    for (let i = 1; i < d; i++) {
      gradient[i]! += l2 * beta[i]!;
      hessian[i * d + i]! += l2;
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) hessian[i * d + j] = hessian[j * d + i]!;
    const step = solveSymmetric(hessian, gradient, d);
    // Newton's step, halved while it does not lower the loss.
    let scale = 1;
    let next = beta;
    let nextLoss = current;
    for (let tries = 0; tries < 20; tries++) {
      const candidate = beta.map((b, c) => b - scale * step[c]!);
      linear(candidate);
      nextLoss = loss(m, z, candidate, l2);
      if (nextLoss <= current + 1e-12) {
        next = candidate;
        break;
      }
      scale /= 2;
    }
    if (next === beta) {
      linear(beta);
      break;
    }
    const moved = step.reduce((max, s) => Math.max(max, Math.abs(s * scale)), 0);
    beta.set(next);
    current = nextLoss;
    if (moved < TOLERANCE) {
      iterations++;
      break;
    }
  }
  return { means, scales, intercept: beta[0]!, weights: Array.from(beta.subarray(1)), iterations };
}

/**
 * Solves A·x = b for a symmetric positive definite A (Cholesky). A tiny
 * ridge is added when the factorisation meets a non-positive pivot.
 */
export function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(sum, 1e-10));
      else l[i * n + j] = sum / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}
