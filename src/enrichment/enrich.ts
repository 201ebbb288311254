import { addStats, lockForLookup, readCache, releaseLock, storeLookup, type CachedEnrichment } from "../db/enrichment";
import type { Firmographics } from "../scoring/icp";
import { runProviderChain } from "./chain";
import type { EnrichmentProvider } from "./types";
import { config } from "../config";

export interface Enrichment extends CachedEnrichment {
  email: string;
  /** True when the answer came from the cache and no provider was asked. */
  cached: boolean;
}

const DAY_MS = 86_400_000;
/** Found data stays fresh for six months; "nothing found" is asked again after a day. */
export const FOUND_TTL_MS = 182 * DAY_MS;
export const NOT_FOUND_TTL_MS = DAY_MS;
/** The longest one lookup may take: three providers, each with a 10 s timeout and Hunter's two calls. */
const LOCK_MS = 60_000;
const POLL_MS = 200;

/** Another caller is looking the same email up and did not finish within the wait. */
export class EnrichmentBusy extends Error {}

export interface EnrichOptions {
  /** How long to wait for another caller's lookup of the same email. */
  maxWaitMs?: number;
  providers?: readonly EnrichmentProvider[];
}

/**
 * The person and organisation behind an email, from the global cache or the
 * provider chain. Of concurrent callers for one email only one asks the
 * providers; the others wait for its answer, so no lookup is paid twice.
 */
export async function enrichEmail(env: Env, email: string, options: EnrichOptions = {}): Promise<Enrichment> {
  const started = Date.now();
  const maxWaitMs = options.maxWaitMs ?? 25_000;
  for (;;) {
    const now = Date.now();
    const row = await readCache(env.DB, email);
    if (row?.state === "done" && row.expiresAt > now) {
      await addStats(env.DB, new Map([["cache", { hits: 1 }]]));
      const { found, person, organization, provider, confidence, fetchedAt } = row;
      return { email, found, person, organization, provider, confidence, fetchedAt, cached: true };
    }
    if (await lockForLookup(env.DB, email, now, LOCK_MS)) return lookUp(env, email, options.providers);
    if (Date.now() - started >= maxWaitMs) throw new EnrichmentBusy(`a lookup of ${email} is already running`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function lookUp(env: Env, email: string, providers?: readonly EnrichmentProvider[]): Promise<Enrichment> {
  try {
    const minConfidence = config(env).enrichMinConfidence;
    const best = await runProviderChain(env, email, minConfidence, providers);
    const now = Date.now();
    const result: CachedEnrichment = {
      found: best !== null,
      person: best?.answer.person ?? null,
      organization: best?.answer.organization ?? null,
      provider: best?.provider ?? null,
      confidence: best?.answer.confidence ?? null,
      fetchedAt: now,
    };
    await storeLookup(env.DB, email, result, now + (best ? FOUND_TTL_MS : NOT_FOUND_TTL_MS));
    await addStats(env.DB, new Map([["cache", { misses: 1 }]]));
    return { email, ...result, cached: false };
  } catch (error) {
    await releaseLock(env.DB, email).catch(() => undefined);
    throw error;
  }
}

/** The part of an enrichment the ICP score reads. */
export function firmographicsOf(enrichment: CachedEnrichment): Firmographics {
  const org = enrichment.organization;
  const firmographics: Firmographics = {};
  if (org?.employees !== undefined) firmographics.employees = org.employees;
  if (org?.annualRevenue !== undefined) firmographics.annualRevenue = org.annualRevenue;
  if (org?.fundingStage !== undefined) firmographics.fundingStage = org.fundingStage;
  return firmographics;
}
