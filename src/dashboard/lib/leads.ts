// How a lead is named and linked across screens.
import { el } from "./dom";

export interface ListedLead {
  id: string;
  score: number;
  stage: string;
  grade: string;
  velocity: number;
  eventCount: number;
  userId: string | null;
  email: string | null;
  lastActivity: string | null;
}

export const leadLabel = (lead: { userId?: string | null; email?: string | null; id: string }) => lead.email ?? lead.userId ?? `${lead.id.slice(0, 10)}…`;

export const leadLink = (lead: { userId?: string | null; email?: string | null; id: string }) => el("a", { href: `#/lead/${lead.id}` }, leadLabel(lead));

export const STAGES = ["cold", "warm", "hot", "qualified"] as const;
export const SCORE_BUCKET_LABELS = ["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100+"];
