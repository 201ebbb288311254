/** What the API reads of a live lead: its summary (scores, identities, profile, stats) and its intelligence. */
import { stageFor } from "../src/scoring/stage";
import { DAY_MS } from "../src/scoring/velocity";
import { intelligenceFor, type Intelligence } from "../src/scoring/intelligence";
import { leadCompany } from "../src/leads/company";
import type { LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";
import type { LeadSummary } from "../src/contracts/lead-rpc";
export type { LeadSummary };

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
