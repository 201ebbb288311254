/**
 * The company a lead works at, for the leads list and the account
 * (company) view: the `company` trait of its identify calls (a string or
 * `company.name`, as src/ingest/profile.ts reads it), else the domain of a
 * corporate email address. A free webmail address (src/predict/email-kind.ts)
 * names no employer, so such a lead has no company.
 */
import type { Profile } from "../ingest/profile";
import { emailKind } from "../predict/email-kind";

export function leadCompany(profile: Profile, email: string | null): string | null {
  if (profile.company) return profile.company;
  if (!email || emailKind(email) !== "corporate") return null;
  return email.slice(email.lastIndexOf("@") + 1).trim().toLowerCase() || null;
}

/** A company as the account view lists it: its leads taken together. */
export interface CompanyRow {
  company: string;
  leads: number;
  scoreSum: number;
  scoreBest: number;
  bestGrade: string;
  bestStage: string;
  events: number;
  lastActivity: string | null;
}
