// How a lead is named and linked across screens.
import { el } from "./dom";

export interface ListedLead {
  id: string;
  score: number;
  behaviourScore: number;
  icpScore: number;
  stage: string;
  grade: string;
  velocity: number;
  /** Null while the namespace has no model in use (see the Model screen). */
  conversionProbability: number | null;
  conversionFeatures: TopFeature[];
  eventCount: number;
  userId: string | null;
  email: string | null;
  lastActivity: string | null;
}

export interface TopFeature {
  feature: string;
  contribution: number;
}

/** A probability as a percentage ("12.3%"); "—" when there is none. */
export const percent = (p: number | null | undefined) => (p === null || p === undefined ? "—" : `${(p * 100).toFixed(1)}%`);

/** A weight or push on the log-odds, signed, two places: "+1.24". */
export const signedFixed = (n: number) => `${n > 0 ? "+" : ""}${n.toFixed(2)}`;

export const leadLabel = (lead: { userId?: string | null; email?: string | null; id: string }) => lead.email ?? lead.userId ?? `${lead.id.slice(0, 10)}…`;

export const leadLink = (lead: { userId?: string | null; email?: string | null; id: string }) => el("a", { href: `#/lead/${lead.id}` }, leadLabel(lead));

export const STAGES = ["cold", "warm", "hot", "qualified"] as const;
export const SCORE_BUCKET_LABELS = ["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100+"];

/** What the two axes mean: the stage follows engagement alone, the grade adds fit. */
export const SCORE_MEANING =
  "Score = engagement (behaviour: the points of the lead's events, decaying while it is inactive) + fit (ICP: company size, revenue and funding, up to 100). " +
  "The stage follows engagement alone: cold below 30, warm from 30, hot from 60, qualified from 100. " +
  "The grade follows the whole score: A+ from 90, A 80, B+ 70, B 60, C+ 50, C 40, D 20, F below. " +
  "So a company that fits well but has not engaged yet is “cold / A+”.";
