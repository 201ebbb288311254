/**
 * How well scores rank and how honest probabilities are, on labelled
 * examples: AUC (the chance a converter outranks a non-converter, ties
 * counting half), precision among the top 10%, the Brier score, and a
 * reliability table with its calibration error.
 */
export interface ReliabilityBin {
  /** The bin covers predictions in [from, to). */
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface Evaluation {
  examples: number;
  positives: number;
  auc: number;
  precisionAtTop10: number;
  brier: number;
  /** Mean |predicted − observed| over the reliability bins, weighted by their examples. */
  calibrationError: number;
  reliability: ReliabilityBin[];
}

/** Area under the ROC curve by ranks (Mann–Whitney); 0.5 when one class is missing. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Share of converters among the top `fraction` by score (at least one example; ties broken by position). */
export function precisionAtTop(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, fraction = 0.1): number {
  const n = scores.length;
  if (n === 0) return 0;
  const top = Math.max(1, Math.round(n * fraction));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  let hits = 0;
  for (let k = 0; k < top; k++) if (labels[order[k]!]) hits++;
  return hits / top;
}

export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const n = probabilities.length;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (probabilities[i]! - (labels[i] ? 1 : 0)) ** 2;
  return sum / n;
}

/** Equal-width bins over [0, 1]; empty bins are left out. */
export function reliabilityTable(probabilities: ArrayLike<number>, labels: ArrayLike<number | boolean>, bins = 10): ReliabilityBin[] {
  const count = new Array<number>(bins).fill(0);
  const predicted = new Array<number>(bins).fill(0);
  const observed = new Array<number>(bins).fill(0);
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b]!++;
    predicted[b]! += p;
    if (labels[i]) observed[b]!++;
  }
  const table: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    table.push({ from: b / bins, to: (b + 1) / bins, count: count[b]!, meanPredicted: predicted[b]! / count[b]!, observedRate: observed[b]! / count[b]! });
  }
  return table;
}

export function calibrationError(table: readonly ReliabilityBin[]): number {
  const total = table.reduce((n, bin) => n + bin.count, 0);
  if (total === 0) return 0;
  return table.reduce((sum, bin) => sum + (bin.count / total) * Math.abs(bin.meanPredicted - bin.observedRate), 0);
}

export function evaluate(probabilities: ArrayLike<number>, labels: ArrayLike<number | boolean>): Evaluation {
  const reliability = reliabilityTable(probabilities, labels);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  return {
    examples: probabilities.length,
    positives,
    auc: auc(probabilities, labels),
    precisionAtTop10: precisionAtTop(probabilities, labels, 0.1),
    brier: brierScore(probabilities, labels),
    calibrationError: calibrationError(reliability),
    reliability,
  };
}
