import type { Stage } from "./stage";
import { DAY_MS, velocityFor } from "./velocity";

export type Trend = "rising" | "steady" | "falling";
export type Risk = "low" | "medium" | "high" | "critical";

export interface Intelligence {
  velocity: number;
  velocityTrend: Trend;
  riskLevel: Risk | null;
  daysSinceLastEvent: number | null;
  eventsLast24h: number;
  eventsLast7d: number;
  /** 0–10, one decimal: see engagementScoreFor. */
  engagementScore: number;
  /** 0–1, two decimals, null before the first event: see churnProbabilityFor. */
  churnProbability: number | null;
  nextBestAction: { action: string; reason: string };
}

export interface IntelligenceInput {
  now: number;
  stage: Stage;
  score: number;
  /** Times of the lead's activity events (track, page, screen), any order. */
  activity: readonly number[];
  /** Canonical names of the events of the last 7 days. */
  recentEventNames: readonly string[];
  lastEventTs: number | null;
}

/** Trend: velocity now against velocity 24 h ago; a change of more than 0.5 counts. */
export function velocityTrend(activity: readonly number[], now: number): Trend {
  const change = velocityFor(activity, now) - velocityFor(activity, now - DAY_MS);
  return change > 0.5 ? "rising" : change < -0.5 ? "falling" : "steady";
}

/** Risk from inactivity: under 3 days low, under 7 medium, under 14 high, else critical. */
export function riskFor(daysInactive: number | null): Risk | null {
  if (daysInactive === null) return null;
  if (daysInactive < 3) return "low";
  if (daysInactive < 7) return "medium";
  if (daysInactive < 14) return "high";
  return "critical";
}

/**
 * Next best action, first rule that applies:
 * 1. qualified → hand_off_to_sales
 * 2. a demo request in the last 7 days → follow_up_demo_request
 * 3. an email reply in the last 7 days → answer_reply
 * 4. risk high or critical with score ≥ 30 → re_engage
 * 5. velocity ≥ 5 → reach_out_now
 * 6. warm or hot → nurture
 * 7. otherwise → keep_warming
 */
export function nextBestAction(input: { stage: Stage; score: number; velocity: number; risk: Risk | null; recentEventNames: readonly string[] }) {
  const recent = new Set(input.recentEventNames);
  if (input.stage === "qualified") return { action: "hand_off_to_sales", reason: "the lead is qualified" };
  if (recent.has("demo_request")) return { action: "follow_up_demo_request", reason: "asked for a demo in the last 7 days" };
  if (recent.has("email_replied")) return { action: "answer_reply", reason: "replied to an email in the last 7 days" };
  if ((input.risk === "high" || input.risk === "critical") && input.score >= 30) {
    return { action: "re_engage", reason: "an engaged lead has gone quiet" };
  }
  if (input.velocity >= 5) return { action: "reach_out_now", reason: "very active in the last 24 hours" };
  if (input.stage === "warm" || input.stage === "hot") return { action: "nurture", reason: `a ${input.stage} lead that is not yet qualified` };
  return { action: "keep_warming", reason: "little engagement so far" };
}

/**
 * Engagement 0–10: half the 24-hour velocity, half the week's volume
 * (activity events in the last 7 days / 2, capped at 10), to one decimal.
 * A lead with 20 events this week and a velocity of 10 scores 10.
 */
export function engagementScoreFor(velocity: number, eventsLast7d: number): number {
  const weekly = Math.min(10, eventsLast7d / 2);
  return Math.min(10, Math.round((0.5 * velocity + 0.5 * weekly) * 10) / 10);
}

/**
 * Churn probability 0–1 from inactivity: 1 − e^(−days/14), to two decimals,
 * where days is the time since the last event (fractional). A day of silence
 * gives 0.07, a week 0.39, two weeks 0.63, a month 0.88.
 */
export function churnProbabilityFor(lastEventTs: number | null, now: number): number | null {
  if (lastEventTs === null) return null;
  const days = Math.max(0, now - lastEventTs) / DAY_MS;
  return Math.round((1 - Math.exp(-days / 14)) * 100) / 100;
}

export function intelligenceFor(input: IntelligenceInput): Intelligence {
  const velocity = velocityFor(input.activity, input.now);
  const daysSinceLastEvent = input.lastEventTs === null ? null : Math.floor((input.now - input.lastEventTs) / DAY_MS);
  const riskLevel = riskFor(daysSinceLastEvent);
  const eventsLast7d = input.activity.filter((ts) => ts <= input.now && input.now - ts < 7 * DAY_MS).length;
  return {
    velocity,
    velocityTrend: velocityTrend(input.activity, input.now),
    riskLevel,
    daysSinceLastEvent,
    eventsLast24h: input.activity.filter((ts) => ts <= input.now && input.now - ts < DAY_MS).length,
    eventsLast7d,
    engagementScore: engagementScoreFor(velocity, eventsLast7d),
    churnProbability: churnProbabilityFor(input.lastEventTs, input.now),
    nextBestAction: nextBestAction({ stage: input.stage, score: input.score, velocity, risk: riskLevel, recentEventNames: input.recentEventNames }),
  };
}
