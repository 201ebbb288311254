import type { LeadSnapshot } from "./delivery-item";
import { byLead } from "../queues/by-lead";

/** A lead's summary for the D1 projection, or its removal once merged into another lead. */
export type ProjectionMessage =
  | ({
      kind: "upsert";
      namespaceId: string;
      leadId: string;
      version: number;
      scoringVersion: number;
      eventCount: number;
      firstSeen: number | null;
      lastActivity: number | null;
      /** Events per hour of the last day (hour index → count), summed for the overview; absent in older messages. */
      recentHours?: Record<string, number>;
      /** The lead's company (src/leads/company.ts) and name (its profile); absent in older messages. */
      company?: string | null;
      name?: string | null;
    } & Omit<LeadSnapshot, "id">)
  | { kind: "delete"; namespaceId: string; leadId: string; version: number };

export type ProjectionUpsert = Extract<ProjectionMessage, { kind: "upsert" }>;

/**
 * The projection queue a lead sends to: one of four, chosen by the lead id
 * (a hex Durable Object id), so the summaries of 100,000 busy leads spread
 * evenly and one lead always uses the same queue.
 */
export function projectionQueue(env: Env, leadId: string): Queue<ProjectionMessage> {
  return byLead([env.PROJECTION, env.PROJECTION_1, env.PROJECTION_2, env.PROJECTION_3], leadId);
}
