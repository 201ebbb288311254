import { upsertProjection, deleteProjection, staleScoringLeads } from "../db/projection";
import type { ProjectionMessage, ProjectionUpsert } from "../contracts/projection-queue";
import { leadStub } from "../leads/lead-stub";

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
