import { TtlCache } from "./ttl-cache";
import { loadModel } from "./prediction";
import type { PredictiveModel } from "../predict/train";

/**
 * How long an isolate keeps a namespace's model in use (or that it has
 * none) before reading D1 again. Lead objects read it when they build their
 * summary, so a newly trained model reaches a lead's summary within this
 * time (sooner in the isolate that trained it: the fit forgets the entry).
 */
export const MODEL_IN_USE_CACHE_MS = 5 * 60_000;

export interface ModelInUse {
  model: PredictiveModel;
  runId: string;
}

const modelsInUse = new TtlCache<ModelInUse | null>(MODEL_IN_USE_CACHE_MS, 1_000);

/** The namespace's model when it is used for ranking; null when it has none, or one that does not beat the rules. */
export function modelInUse(db: D1Database, namespaceId: string): Promise<ModelInUse | null> {
  return modelsInUse.getOrLoad(namespaceId, async () => {
    const stored = await loadModel(db, namespaceId);
    return stored?.used && stored.model ? { model: stored.model, runId: stored.runId } : null;
  });
}

/** The namespace's model changed (trained, or the namespace went): this isolate reads it again. */
export function forgetModelInUse(namespaceId: string): void {
  modelsInUse.forget(namespaceId);
}
