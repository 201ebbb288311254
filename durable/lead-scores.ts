/**
 * The lead's scores: the namespace's scoring it is scored with (cached,
 * reloaded when the namespace's version moves on), its firmographics and
 * profile, the snapshot destinations and the API see, and what follows a
 * change of any of them (the projection mark; destinations hear of it with
 * the outbox's next batch, durable/outbox.ts).
 */
import { matchRule } from "../src/scoring/rules";
import { gradeFor, stageFor } from "../src/scoring/stage";
import { DAY_MS, velocityFromWeight } from "../src/scoring/velocity";
import { icpScoreFor, type Firmographics } from "../src/scoring/icp";
import { DEFAULT_SCORING, type ScoringConfig } from "../src/scoring/config";
import { loadScoringConfig } from "../src/db/scoring";
import type { Profile } from "../src/ingest/profile";
import type { LeadSnapshot } from "../src/destinations/types";
import type { LeadCore } from "./lead-core";
import type { Scorer } from "./lead-log";
import { storedPrediction } from "./lead-prediction";
import { JsonMetaKey } from "./lead-meta";

const SCORING = new JsonMetaKey<ScoringConfig>("scoring");
const FIRMOGRAPHICS = new JsonMetaKey<Firmographics>("firmographics");
const PROFILE = new JsonMetaKey<Profile>("profile");

export class LeadScores {
  private scoringCache: ScoringConfig | undefined;

  constructor(private readonly core: LeadCore) {}

  scoring(): ScoringConfig {
    if (!this.scoringCache) {
      // Version -1: never loaded, so the first call loads whatever the namespace has.
      this.scoringCache = this.core.store.meta.getJson(SCORING) ?? { ...DEFAULT_SCORING, version: -1 };
    }
    return this.scoringCache;
  }

  /** The object was wiped: the scoring is read from storage again. */
  forget(): void {
    this.scoringCache = undefined;
  }

  /** Loads the namespace's scoring when `version` is newer than this lead's, and rescores everything with it. */
  async ensureScoring(namespaceId: string, version: number, given?: ScoringConfig): Promise<void> {
    if (this.scoring().version >= Math.max(version, 0)) return;
    const { store } = this.core;
    // Version 0 is a namespace that never changed its scoring: the defaults, no need to ask D1.
    const config =
      given && given.version >= version ? given : version === 0 ? DEFAULT_SCORING : await loadScoringConfig(this.core.env().DB, namespaceId);
    if (config.version <= this.scoring().version) return;
    this.core.transact(() => {
      store.meta.setJson(SCORING, config);
      this.scoringCache = config;
      if (!this.core.isLive()) return;
      store.log.rematchAll(this.scorer());
      store.log.rescoreFrom(null, this.capOf(), Date.now());
      this.afterChange();
    });
    await this.core.scheduleAlarm(this.core.flushAt(Date.now()));
  }

  scorer(): Scorer {
    const rules = this.scoring().rules;
    const ruled = new Set(rules.map((r) => r.event));
    // The body is only parsed when a namespace rule could look at its properties.
    return (name, body) => (ruled.has(name) ? matchRule(name, JSON.parse(body), rules) : matchRule(name, {}, []));
  }

  capOf(): (ruleId: string) => number | null {
    const caps = new Map(this.scoring().rules.map((r) => [r.id, r.cap]));
    return (ruleId) => caps.get(ruleId) ?? null;
  }

  /** Events before this time are outside the namespace's retention; null when it keeps everything. */
  retentionCutoff(now: number): number | null {
    const days = this.scoring().retentionDays ?? null;
    return days === null ? null : now - days * DAY_MS;
  }

  firmographics(): Firmographics {
    return this.core.store.meta.getJson(FIRMOGRAPHICS) ?? {};
  }

  mergeFirmographics(found: Firmographics): void {
    if (Object.keys(found).length === 0) return;
    this.core.store.meta.setJson(FIRMOGRAPHICS, { ...this.firmographics(), ...found });
  }

  profile(): Profile {
    return this.core.store.meta.getJson(PROFILE) ?? {};
  }

  mergeProfile(found: Profile, { fillOnly = false } = {}): void {
    if (Object.keys(found).length === 0) return;
    const merged = fillOnly ? { ...found, ...this.profile() } : { ...this.profile(), ...found };
    this.core.store.meta.setJson(PROFILE, merged);
  }

  icpScore(): number {
    return icpScoreFor(this.firmographics(), this.scoring().icpTable);
  }

  /** The lead's scores and main identities now, as destinations and the API see them. */
  snapshot(): LeadSnapshot {
    const { store } = this.core;
    const behaviourScore = store.log.behaviourScore();
    const icpScore = this.icpScore();
    const score = Math.round((behaviourScore + icpScore) * 100) / 100;
    const now = Date.now();
    const identities = store.identities.all();
    return {
      id: this.core.id,
      score,
      behaviourScore,
      icpScore,
      stage: stageFor(behaviourScore),
      grade: gradeFor(score),
      velocity: velocityFromWeight(store.log.velocityWeight(now)),
      userId: identities.find((i) => i.kind === "userId")?.value ?? null,
      email: identities.find((i) => i.kind === "email")?.value ?? null,
      // As of the last summary (lead-prediction.ts); absent without a model in use, so those payloads are unchanged.
      ...storedPrediction(store),
    };
  }

  /** Marks the summary for the projection (stage changes are kept by the store, in event time). */
  afterChange(): void {
    this.core.projectionDirty = true;
    this.core.changeGeneration++;
  }
}
