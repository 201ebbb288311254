import type { LeadSnapshot } from "../contracts/delivery-item";

export type AutomationTrigger =
  /** With `minVelocity`, fires when the lead is at the stage with at least that velocity (the seed's `whenStage` + `minVelocity`). */
  | { type: "stage_becomes"; stage: "cold" | "warm" | "hot" | "qualified"; minVelocity?: number }
  | { type: "score_crosses"; score: number }
  | { type: "velocity_reaches"; velocity: number };

export type AutomationAction =
  | { type: "webhook"; url: string; secret?: string }
  | { type: "slack"; webhookUrl: string }
  | { type: "destination"; destinationId: string };

/** Whether a change of the lead from `before` to `after` fires the trigger (an edge, not a level). */
export function triggerFires(trigger: AutomationTrigger, before: LeadSnapshot | null, after: LeadSnapshot): boolean {
  switch (trigger.type) {
    case "stage_becomes": {
      const holds = (lead: LeadSnapshot | null) => lead?.stage === trigger.stage && lead.velocity >= (trigger.minVelocity ?? 0);
      return holds(after) && !holds(before);
    }
    case "score_crosses":
      return after.score >= trigger.score && (before?.score ?? 0) < trigger.score;
    case "velocity_reaches":
      return after.velocity >= trigger.velocity && (before?.velocity ?? 0) < trigger.velocity;
  }
}

/** Automations fire at most once per rule, lead and UTC day. */
export function firingDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}
