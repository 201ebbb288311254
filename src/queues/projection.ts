import { upsertProjection, deleteProjection, staleScoringLeads } from "../db/projection";
import type { LeadSnapshot } from "../destinations/types";
import { byLead } from "./by-lead";
import { leadStub } from "../leads/lead-stub";

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

/**
 * Writes a batch of lead summaries into D1. A row is only replaced by a
 * higher version, so redelivered or reordered messages never go backwards.
 * Leads scored with an older scoring version than their namespace's are
 * asked to rescore: this closes the gap for leads a rescore job did not list.
 */
export async function consumeProjection(batch: MessageBatch<ProjectionMessage>, env: Env): Promise<void> {
  const upserts = batch.messages.map((m) => m.body).filter((b): b is ProjectionUpsert => b.kind === "upsert");
  const deletes = batch.messages.map((m) => m.body).filter((b) => b.kind === "delete");
  await upsertProjection(env.DB, upserts);
  await deleteProjection(env.DB, deletes);
  const stale = await staleScoringLeads(env.DB, upserts);
  await Promise.all(stale.map((s) => leadStub(env, s.leadId).applyScoring(s.namespaceId, s.version)));
  batch.ackAll();
}
