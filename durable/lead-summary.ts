/** What the API reads of a live lead: its summary (scores, identities, profile, stats) and its intelligence. */
import type { Identity } from "../src/ingest/normalize";
import { stageFor } from "../src/scoring/stage";
import { DAY_MS } from "../src/scoring/velocity";
import type { Firmographics } from "../src/scoring/icp";
import { intelligenceFor, type Intelligence } from "../src/scoring/intelligence";
import type { Profile } from "../src/ingest/profile";
import type { LeadSnapshot } from "../src/destinations/types";
import type { TopFeature } from "../src/predict/serve";
import type { LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";
import type { Conflict, StageChange } from "./lead-store";

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
  stageChanges: StageChange[];
  scoringVersion: number;
  eventCount: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

export function leadSummary(core: LeadCore, scores: LeadScores, namespaceId: string): LeadSummary {
  const { store } = core;
  const stats = store.eventStats();
  return {
    conversionProbability: null,
    conversionFeatures: [],
    ...scores.snapshot(),
    namespaceId,
    identities: store.identities(),
    conflicts: store.conflicts(),
    firmographics: scores.firmographics(),
    profile: scores.profile(),
    stageChanges: store.stageChanges(),
    scoringVersion: scores.scoring().version,
    eventCount: stats.count,
    firstSeen: stats.first === null ? null : new Date(stats.first).toISOString(),
    lastSeen: stats.last === null ? null : new Date(stats.last).toISOString(),
  };
}

export function leadIntelligence(core: LeadCore, scores: LeadScores): Intelligence {
  const { store } = core;
  const now = Date.now();
  const behaviour = store.behaviourScore();
  return intelligenceFor({
    now,
    stage: stageFor(behaviour),
    score: behaviour + scores.icpScore(),
    activity: store.activity(),
    recentEventNames: store.eventNamesSince(now - 7 * DAY_MS),
    lastEventTs: store.lastEventTs() ?? null,
  });
}
