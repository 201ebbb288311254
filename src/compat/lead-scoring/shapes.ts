/**
 * Pure mappings between the Lead Scoring System's shapes and the core's:
 * its events become Segment calls on the lead its `leadId` names (see
 * seedIdentity); core answers become its lead, timeline and intelligence shapes.
 */
import type { LeadSummary, TimelineEntry } from "../../contracts/lead-rpc";
import type { Intelligence, Trend } from "../../scoring/intelligence";
import type { ProjectedLead } from "../../db/projection";
import type { ScoringRule } from "../../scoring/rules";
import type { Profile } from "../../ingest/profile";
import { DEFAULT_POINTS } from "../../scoring/points";
import type { LssEvent } from "./schemas";

export const LIBRARY = { name: "leadflare-compat-lead-scoring" };

/** Mongo-style ids: what `POST /api/leads` hands out, and what the seed's lead records carry. */
const KNOWN_CONTACT_ID = /^[0-9a-f]{24}$/;

/**
 * The seed's leads as leadflare identities. A lead with a record (a 24-hex
 * `_id`, from `POST /api/leads`) is a known contact: its `userId`. Any other
 * `leadId` names a visitor the seed knows only by that id, its anonymous
 * lead: an `anonymousId`, which an identify event carrying an email merges
 * into the contact that holds the email (the core never merges two userIds).
 */
export function seedIdentity(leadId: string): { userId: string } | { anonymousId: string } {
  return KNOWN_CONTACT_ID.test(leadId) ? { userId: leadId } : { anonymousId: leadId };
}

/** An LSS event as a Segment call: `identify` with properties as traits (its identity resolution), else a track call. */
export function toSegmentMessage(event: LssEvent, messageId: string): Record<string, unknown> {
  const common = { ...seedIdentity(event.leadId), messageId, timestamp: event.timestamp, context: { library: LIBRARY } };
  if (event.eventType === "identify") return { ...common, type: "identify", traits: event.properties ?? {} };
  return { ...common, type: "track", event: event.eventType, properties: event.properties ?? {} };
}

/** A lead created by `POST /api/leads`: an identify call carrying its contact traits. */
export function newLeadMessage(id: string, lead: { name?: string; email?: string; company?: string }): Record<string, unknown> {
  return { type: "identify", userId: id, traits: lead, context: { library: LIBRARY } };
}

/** Mongo-style 24-hex ids, as the seed's `_id`. */
export function newSeedLeadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `GET /api/leads/:id`. `currentScore` is the core's total (behaviour + ICP); `leadStage` follows behaviour, as in the seed. */
export function seedLead(id: string, lead: LeadSummary, intelligence: Intelligence | null) {
  return {
    _id: id,
    leadId: lead.id,
    name: lead.profile.name ?? null,
    email: lead.email,
    company: lead.profile.company ?? null,
    currentScore: lead.score,
    behaviourScore: lead.behaviourScore,
    icpScore: lead.icpScore,
    leadStage: lead.stage,
    grade: lead.grade,
    velocityScore: lead.velocity,
    eventsLast24h: intelligence?.eventsLast24h ?? 0,
    lastEventAt: lead.lastSeen,
    createdAt: lead.firstSeen,
  };
}

/** A lead of a list or leaderboard, from the projection (and its profile when known). */
export function seedListedLead(row: ProjectedLead, profile: Profile | undefined) {
  return {
    _id: row.userId ?? row.leadId,
    leadId: row.leadId,
    name: profile?.name ?? null,
    email: row.email,
    company: profile?.company ?? null,
    currentScore: row.score,
    leadStage: row.stage,
    grade: row.grade,
    velocityScore: row.velocity,
    lastEventAt: row.lastActivity === null ? null : new Date(row.lastActivity).toISOString(),
  };
}

/** Timeline entries as the seed shows them: the event, its score delta and the score after it. */
export function seedTimeline(entries: readonly TimelineEntry[]) {
  return entries.map((entry) => {
    const event = (entry.event ?? {}) as { event?: unknown };
    return {
      eventId: entry.messageId,
      eventType: entry.type === "track" && typeof event.event === "string" ? event.event : entry.name,
      timestamp: entry.timestamp,
      scoreDelta: entry.scoreDelta,
      newScore: entry.runningScore,
    };
  });
}

const TRENDS: Record<Trend, string> = { rising: "increasing", steady: "stable", falling: "decreasing" };

/** The core's next-best-action codes as the seed's sentences. */
const ACTIONS: Record<string, string> = {
  hand_off_to_sales: "Hand off to sales",
  follow_up_demo_request: "Send product demo",
  answer_reply: "Answer the reply",
  re_engage: "Re-engage with a personal email",
  reach_out_now: "Reach out now",
  nurture: "Send nurture content",
  keep_warming: "Keep warming with content",
};

export function seedIntelligence(intelligence: Intelligence) {
  return {
    riskLevel: intelligence.riskLevel ?? "low",
    velocityTrend: TRENDS[intelligence.velocityTrend],
    nextBestAction: ACTIONS[intelligence.nextBestAction.action] ?? intelligence.nextBestAction.action,
    engagementScore: intelligence.engagementScore,
    churnProbability: intelligence.churnProbability ?? 0,
    velocityScore: intelligence.velocity,
    eventsLast24h: intelligence.eventsLast24h,
    eventsLast7d: intelligence.eventsLast7d,
    daysSinceLastEvent: intelligence.daysSinceLastEvent,
  };
}

/** The namespace's rules, then the built-in points no unconditional rule overrides (the seed lists its seeded defaults too). */
export function seedRules(rules: readonly ScoringRule[]) {
  const own = rules.map((rule) => ({ _id: rule.id, eventType: rule.event, points: rule.points, isDefault: false }));
  const overridden = new Set(rules.filter((r) => r.conditions.length === 0).map((r) => r.event));
  const defaults = Object.entries(DEFAULT_POINTS)
    .filter(([event]) => !overridden.has(event))
    .map(([event, points]) => ({ _id: `default:${event}`, eventType: event, points, isDefault: true }));
  return [...own, ...defaults];
}
