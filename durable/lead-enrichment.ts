/**
 * Enrichment: a lead's new email is looked up by the enrichment queue
 * (src/queues/enrichment.ts), whose answer comes back as firmographics that
 * feed the ICP score.
 */
import type { Identity } from "../src/ingest/normalize";
import type { Firmographics } from "../src/scoring/icp";
import type { EnrichmentMessage } from "../src/contracts/enrichment-queue";
import type { LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";

/** Queues a lookup of each of `emails` (new to the identity index). */
export async function requestEnrichment(core: LeadCore, emails: Identity[]): Promise<void> {
  if (emails.length === 0) return;
  const namespaceId = core.store.meta.get("namespace_id")!;
  const lead = core.store.meta.get("name")!;
  await core.env().ENRICHMENT.sendBatch(emails.map((e) => ({ body: { namespaceId, lead, email: e.value } satisfies EnrichmentMessage })));
}

/** Takes in the firmographics a lookup found (this lead is live). */
export async function applyEnrichment(core: LeadCore, scores: LeadScores, firmographics: Firmographics): Promise<void> {
  core.transact(() => {
    scores.mergeFirmographics(firmographics);
    scores.afterChange();
  });
  await core.scheduleAlarm(core.flushAt(Date.now()));
}
