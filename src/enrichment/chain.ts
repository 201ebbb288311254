import { addStats, readStats, takeProviderSlot, type StatsDelta } from "../db/enrichment";
import { ProviderError, type EnrichmentProvider, type ProviderAnswer, type ProviderName } from "./types";
import { llmProvider } from "./llm";
import { hunterProvider } from "./hunter";
import { apolloProvider } from "./apollo";

/** Cheapest first: the LLM's guess, then Hunter, then Apollo. */
export const PROVIDER_CHAIN: readonly EnrichmentProvider[] = [llmProvider, hunterProvider, apolloProvider];

export interface ChainResult {
  answer: ProviderAnswer;
  provider: ProviderName;
}

/**
 * Asks each configured provider in turn until one answers with at least
 * `minConfidence`; otherwise keeps the most confident answer seen. A provider
 * that is resting (out of credit, rate limited), over its per-minute limit,
 * down, or answering garbage is skipped, never fatal. Counters are written
 * once at the end.
 */
export async function runProviderChain(
  env: Env,
  email: string,
  minConfidence: number,
  providers: readonly EnrichmentProvider[] = PROVIDER_CHAIN,
): Promise<ChainResult | null> {
  const now = Date.now();
  const resting = new Map((await readStats(env.DB)).map((s) => [s.provider, s.unavailableUntil]));
  const stats = new Map<string, StatsDelta>();
  let best: ChainResult | null = null;
  try {
    for (const provider of providers) {
      const apiKey = provider.apiKey(env);
      if (!apiKey || (resting.get(provider.name) ?? 0) > now) continue;
      const delta: StatsDelta = {};
      stats.set(provider.name, delta);
      if (!(await takeProviderSlot(env.DB, provider.name, provider.limitPerMinute, now))) {
        delta.rateLimited = 1;
        continue;
      }
      delta.calls = 1;
      delta.costMicros = provider.costMicros;
      let answer: ProviderAnswer | null;
      try {
        answer = await provider.lookup(email, env, apiKey);
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        console.warn("enrichment provider skipped", error.message);
        delta.errors = 1;
        if (error.kind === "down") delta.costMicros = 0;
        if (error.kind === "rate_limited") delta.rateLimited = 1;
        if (error.retryAfterMs > 0) delta.unavailableUntil = Date.now() + error.retryAfterMs;
        continue;
      }
      if (!answer) {
        delta.misses = 1;
        continue;
      }
      delta.hits = 1;
      if (!best || answer.confidence > best.answer.confidence) best = { answer, provider: provider.name };
      if (answer.confidence >= minConfidence) break;
    }
  } finally {
    await addStats(env.DB, stats);
  }
  return best;
}
