/** What the API reads of a live lead: its summary (scores, identities, profile, stats) and its intelligence. */
import type { Identity } from "../src/ingest/normalize";
import { stageFor } from "../src/scoring/stage";
import { DAY_MS } from "../src/scoring/velocity";
import type { Firmographics } from "../src/scoring/icp";
import { intelligenceFor, type Intelligence } from "../src/scoring/intelligence";
import type { Profile } from "../src/ingest/profile";
import type { LeadSnapshot } from "../src/destinations/types";
import type { TopFeature } from "../src/predict/serve";
import { leadCompany } from "../src/leads/company";
import type { LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";
import type { StageChange } from "./lead-log";
import type { Conflict } from "./lead-identities";

export interface LeadSummary extends Omit<LeadSnapshot, "conversionProbability" | "conversionFeatures"> {
  /** As of the lead's last summary (durable/lead-prediction.ts); null while its namespace has no model in use. */
  conversionProbability: number | null;
  conversionFeatures: TopFeature[];
  namespaceId: string;
  identities: Identity[];
  conflicts: Conflict[];
  firmographics: Firmographics;
  /** Contact traits from identify calls (name, company…). */
  profile: Profile;
  /** The profile's company, else a corporate email's domain (src/leads/company.ts): what the lists group accounts by. */
  company: string | null;
  stageChanges: StageChange[];
  scoringVersion: number;
  eventCount: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

export function leadSummary(core: LeadCore, scores: LeadScores, namespaceId: string): LeadSummary {
  const { store } = core;
  const stats = store.log.eventStats();
  const snapshot = scores.snapshot();
  const profile = scores.profile();
  return {
    conversionProbability: null,
    conversionFeatures: [],
    ...snapshot,
    namespaceId,
    identities: store.identities.all(),
    conflicts: store.identities.conflicts(),
    firmographics: scores.firmographics(),
    profile,
    company: leadCompany(profile, snapshot.email),
    stageChanges: store.log.stageChanges(),
    scoringVersion: scores.scoring().version,
    eventCount: stats.count,
    firstSeen: stats.first === null ? null : new Date(stats.first).toISOString(),
    lastSeen: stats.last === null ? null : new Date(stats.last).toISOString(),
  };
}

export function leadIntelligence(core: LeadCore, scores: LeadScores): Intelligence {
  const { store } = core;
  const now = Date.now();
  const behaviour = store.log.behaviourScore();
  return intelligenceFor({
    now,
    stage: stageFor(behaviour),
    score: behaviour + scores.icpScore(),
    activity: store.log.activity(),
    recentEventNames: store.log.eventNamesSince(now - 7 * DAY_MS),
    lastEventTs: store.log.lastEventTs() ?? null,
  });
}
