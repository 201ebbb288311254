/**
 * Running behaviour score over events in timestamp order. Kept as a fold so a
 * late event can be inserted and everything after it recomputed from the
 * state just before it, giving exactly what in-order delivery would have.
 */
export interface ScoredStep {
  points: number;
  runningScore: number;
}

export function foldScores(startScore: number, points: readonly number[]): ScoredStep[] {
  let running = startScore;
  return points.map((p) => {
    running += p;
    return { points: p, runningScore: running };
  });
}
