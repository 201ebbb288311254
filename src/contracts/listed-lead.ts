// A lead as the list APIs show it (GET /api/leads, a company's leads, the overview's top movers; src/leads/listed.ts
// builds it from a projection row): shared with the console, which lists them.
import type { TopFeature } from "../predict/serve";

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
  company: string | null;
  name: string | null;
  /** ISO 8601 times. */
  firstSeen: string | null;
  lastActivity: string | null;
  updatedAt: string;
}
