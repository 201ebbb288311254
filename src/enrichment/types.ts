import { retryAfterMs } from "../http/retry-after";
import { guardedFetch } from "../outbound/fetch";

export interface Person {
  firstName?: string;
  lastName?: string;
  fullName?: string;
  title?: string;
  linkedinUrl?: string;
}

export interface Organization {
  name?: string;
  domain?: string;
  industry?: string;
  employees?: number;
  annualRevenue?: number;
  fundingStage?: string;
  totalFunding?: number;
}

/**
 * What one provider found. `confidence` (0–100) is the LLM's own estimate of
 * its guess; data providers look records up, so their answers count as 100.
 */
export interface ProviderAnswer {
  person: Person | null;
  organization: Organization | null;
  confidence: number;
}

export type ProviderName = "llm" | "hunter" | "apollo";

export interface EnrichmentProvider {
  name: ProviderName;
  /** Approximate price of one lookup, in millionths of a US dollar (for the cost counters). */
  costMicros: number;
  /** Calls allowed per minute across all isolates. */
  limitPerMinute: number;
  apiKey(env: Env): string | undefined;
  /** null: the provider knows nothing about this email. */
  lookup(email: string, env: Env, apiKey: string): Promise<ProviderAnswer | null>;
}

/**
 * A provider that cannot answer now. `out_of_credit` (also a refused key) and
 * `rate_limited` rest the provider for `retryAfterMs`; `down` skips it this once.
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: "down" | "out_of_credit" | "rate_limited",
    message: string,
    readonly retryAfterMs = 0,
  ) {
    super(message);
  }
}

export const PROVIDER_TIMEOUT_MS = 10_000;
const OUT_OF_CREDIT_REST_MS = 10 * 60_000;
const RATE_LIMIT_REST_MS = 60_000;

/** Calls a provider's HTTP API, turning its failures into ProviderErrors; 404 is "nothing found". */
export async function providerFetch(provider: ProviderName, url: string, init: RequestInit = {}): Promise<Response | null> {
  let response: Response;
  try {
    response = await guardedFetch(url, { ...init, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  } catch (error) {
    throw new ProviderError("down", `${provider}: ${(error as Error).message}`);
  }
  if (response.ok) return response;
  await response.body?.cancel();
  if (response.status === 404) return null;
  if (response.status === 429) {
    throw new ProviderError("rate_limited", `${provider}: 429`, retryAfterMs(response.headers.get("Retry-After")) || RATE_LIMIT_REST_MS);
  }
  if (response.status === 401 || response.status === 402 || response.status === 403) {
    throw new ProviderError("out_of_credit", `${provider}: ${response.status}`, OUT_OF_CREDIT_REST_MS);
  }
  throw new ProviderError("down", `${provider}: ${response.status}`);
}

/** The domain part of a normalised email. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1);
}
