/**
 * The lead's conversion probability under its namespace's model in use
 * (docs/predictive-score.md), refreshed when its summary is built
 * (lead-projection.ts), never per event: the model comes from a per-isolate
 * cache (src/db/model-in-use.ts, no D1 read per summary either), the
 * snapshot from the lead's log as of now. The result is kept in meta
 * `prediction` (written only when it changed), so the snapshot destinations
 * and the API see (LeadScores.snapshot) carries it between summaries.
 */
import { modelInUse } from "../src/db/model-in-use";
import { predict, type TopFeature } from "../src/predict/serve";
import { snapshotAt } from "../src/predict/snapshot";
import { leadHistory } from "./lead-history";
import type { LeadCore } from "./lead-core";
import type { LeadStore } from "./lead-store";
import { JsonMetaKey } from "./lead-meta";

const PREDICTION = new JsonMetaKey<LeadPrediction>("prediction");

export interface LeadPrediction {
  conversionProbability: number;
  conversionFeatures: TopFeature[];
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

// The last value parsed (shared by the isolate's leads): snapshots taken between two summaries parse it once.
let parsed: { text: string; value: LeadPrediction } | undefined;

/** The prediction as of the last refresh; undefined when the namespace had no model in use (or the lead no event). */
export function storedPrediction(store: LeadStore): LeadPrediction | undefined {
  const text = store.meta.get(PREDICTION.key);
  if (!text) return undefined;
  if (parsed?.text !== text) parsed = { text, value: PREDICTION.parse(text) };
  return { ...parsed.value };
}

/** What the model in use says of the lead now; undefined without a model in use or an event. Pure apart from the cache. */
async function currentPrediction(core: LeadCore, namespaceId: string, now: number): Promise<LeadPrediction | undefined> {
  const inUse = await modelInUse(core.env().DB, namespaceId);
  if (!inUse) return undefined;
  const snapshot = snapshotAt(leadHistory(core.store, core.id), now + 1);
  if (!snapshot) return undefined;
  const { conversionProbability, topFeatures } = predict(inUse.model, snapshot);
  return {
    conversionProbability: round(conversionProbability, 4),
    conversionFeatures: topFeatures.map((f) => ({ feature: f.feature, contribution: round(f.contribution, 3) })),
  };
}

/**
 * Brings the stored prediction up to date. A failure to read the model
 * keeps the last one (the summary still goes: the score matters more).
 */
export async function refreshPrediction(core: LeadCore, namespaceId: string, now = Date.now()): Promise<void> {
  let next: LeadPrediction | undefined;
  try {
    next = await currentPrediction(core, namespaceId, now);
  } catch (error) {
    console.error("conversion probability not refreshed; the last one stays", error);
    return;
  }
  const value = next ? PREDICTION.stringify(next) : "";
  // The store has no meta delete: an empty value means none.
  if ((core.store.meta.get(PREDICTION.key) ?? "") !== value) core.store.meta.set(PREDICTION.key, value);
}
