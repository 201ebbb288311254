import { EMPTY_STATE, foldScores, type FoldInput } from "./fold";
import { matchRule, type ScoringRule } from "./rules";
import { stageFor, type Stage } from "./stage";

/** A lead's stored rows, enough to score it again: bookkeeping rows (merge, decay, retained) included. */
export interface PreviewRow {
  type: string;
  name: string;
  ts: number;
  scoreDelta: number;
  runningScore: number;
  event: unknown;
}

export interface PreviewLead {
  rows: readonly PreviewRow[];
  icpScore: number;
}

/** Score buckets of the distribution: [0,10), [10,20) … [90,100), [100, ∞). */
export const SCORE_BUCKETS = 11;
const bucketOf = (score: number) => Math.max(0, Math.min(SCORE_BUCKETS - 1, Math.floor(score / 10)));

export interface RulePreview {
  leads: number;
  stageChanges: number;
  /** How many leads move from one stage to another, e.g. { "warm→hot": 3 }. */
  moves: Record<string, number>;
  distribution: { before: number[]; after: number[] };
  averageScore: { before: number; after: number };
}

const BOOKKEEPING = new Set(["merge", "decay", "retained"]);

/** The behaviour score the rows give under `rules`, folded as the lead object folds them (caps and decay up to `now`). */
export function rescoreRows(rows: readonly PreviewRow[], rules: readonly ScoringRule[], now: number): number {
  // Events pruned by retention live on as one baseline row, which the fold starts from.
  const retained = rows.find((r) => r.type === "retained");
  const start = retained ? { score: retained.runningScore, ruleTotals: {}, lastEventTs: retained.ts } : EMPTY_STATE;
  const inputs: FoldInput[] = rows
    .filter((r) => !BOOKKEEPING.has(r.type) || r.type === "merge")
    .map((r) => ({ ts: r.ts, match: matchRule(r.name, r.event, rules), isEvent: r.type !== "merge" }));
  const capOf = (id: string) => rules.find((r) => r.id === id)?.cap ?? null;
  const folded = foldScores(start, inputs, now, capOf);
  return folded.at(-1)?.state.score ?? start.score;
}

/** Current score from the stored rows: the running score of the last row. */
const currentBehaviour = (rows: readonly PreviewRow[]) => rows.at(-1)?.runningScore ?? 0;

/**
 * What a change of rules would do to these leads: stage moves (stages follow
 * the behaviour score) and the total-score distribution before and after.
 */
export function previewRules(leads: readonly PreviewLead[], rules: readonly ScoringRule[], now: number): RulePreview {
  const before = new Array<number>(SCORE_BUCKETS).fill(0);
  const after = new Array<number>(SCORE_BUCKETS).fill(0);
  const moves: Record<string, number> = {};
  let stageChanges = 0;
  let sumBefore = 0;
  let sumAfter = 0;
  for (const lead of leads) {
    const behaviourBefore = currentBehaviour(lead.rows);
    const behaviourAfter = rescoreRows(lead.rows, rules, now);
    const [stageBefore, stageAfter]: Stage[] = [stageFor(behaviourBefore), stageFor(behaviourAfter)];
    if (stageBefore !== stageAfter) {
      stageChanges++;
      const key = `${stageBefore}→${stageAfter}`;
      moves[key] = (moves[key] ?? 0) + 1;
    }
    before[bucketOf(behaviourBefore + lead.icpScore)]!++;
    after[bucketOf(behaviourAfter + lead.icpScore)]!++;
    sumBefore += behaviourBefore + lead.icpScore;
    sumAfter += behaviourAfter + lead.icpScore;
  }
  const average = (sum: number) => (leads.length === 0 ? 0 : Math.round((sum / leads.length) * 100) / 100);
  return { leads: leads.length, stageChanges, moves, distribution: { before, after }, averageScore: { before: average(sumBefore), after: average(sumAfter) } };
}
