import type { RuleMatch } from "./rules";
import { decayBefore, roundScore } from "./decay";

/** The behaviour score after a row, with what the next rows need to continue from it. */
export interface ScoreState {
  score: number;
  /** Points each capped rule has given so far. */
  ruleTotals: Record<string, number>;
  /** Time of the last event (not merge or decay), from which decay counts. */
  lastEventTs: number | null;
}

export const EMPTY_STATE: ScoreState = { score: 0, ruleTotals: {}, lastEventTs: null };

export interface FoldInput {
  ts: number;
  match: RuleMatch;
  /** Merges and other bookkeeping rows neither score nor stop decay. */
  isEvent: boolean;
}

export type FoldRow =
  | { kind: "row"; index: number; points: number; state: ScoreState }
  /** The decay of (part of) one quiet stretch in one row: `days` steps, the last at `ts`. */
  | { kind: "decay"; ts: number; days: number; points: number; state: ScoreState };

/**
 * Folds rows in timestamp order into running scores, applying per-rule caps
 * and inserting one decay row per quiet stretch (the days beyond the grace
 * period without events, up to `now`, in total), split only where a merge row
 * falls inside the stretch. Starting from the state of the row just before a
 * late event gives exactly what in-order delivery would have.
 */
export function foldScores(
  start: ScoreState,
  rows: readonly FoldInput[],
  now: number,
  capOf: (ruleId: string) => number | null,
): FoldRow[] {
  const out: FoldRow[] = [];
  let state: ScoreState = { ...start, ruleTotals: { ...start.ruleTotals } };
  // Decay within one quiet gap is computed from the score its last event left,
  // counting the days already written before a merge row inside the gap.
  let gapScore = state.score;
  let gapDays = 0;
  const decayUntil = (until: number) => {
    if (state.lastEventTs === null) return;
    const decayed = decayBefore(gapScore, state.lastEventTs, until);
    if (!decayed || decayed.days <= gapDays) return;
    const points = roundScore(decayed.scoreAfter - state.score);
    state = { ...state, score: decayed.scoreAfter };
    out.push({ kind: "decay", ts: decayed.ts, days: decayed.days - gapDays, points, state });
    gapDays = decayed.days;
  };
  rows.forEach((row, index) => {
    decayUntil(row.ts);
    if (!row.isEvent) {
      out.push({ kind: "row", index, points: 0, state });
      return;
    }
    let points = row.match.points;
    const ruleTotals = { ...state.ruleTotals };
    const cap = row.match.ruleId === null ? null : capOf(row.match.ruleId);
    if (cap !== null && row.match.ruleId !== null) {
      const given = ruleTotals[row.match.ruleId] ?? 0;
      points = Math.max(0, Math.min(points, cap - given));
      ruleTotals[row.match.ruleId] = given + points;
    }
    state = { score: roundScore(state.score + points), ruleTotals, lastEventTs: row.ts };
    gapScore = state.score;
    gapDays = 0;
    out.push({ kind: "row", index, points, state });
  });
  decayUntil(now);
  return out;
}
