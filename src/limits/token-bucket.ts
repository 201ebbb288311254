import { z } from "zod";

/** At most `limit` requests per `periodSeconds`, as a token bucket: bursts up to `limit`, refilled evenly. */
export interface RateLimit {
  limit: number;
  periodSeconds: number;
}

export const rateLimitSchema = z.object({
  limit: z.number().int().min(1).max(1_000_000),
  periodSeconds: z.number().int().min(1).max(86_400),
});

export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface Decision {
  allowed: boolean;
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one token is back (0 when allowed). */
  retryAfterSeconds: number;
}

/** `"1000/10"` → 1000 requests per 10 s; anything else falls back to `fallback`. */
export function parseRateLimit(text: string | undefined, fallback: RateLimit): RateLimit {
  const match = text?.trim().match(/^(\d+)\/(\d+)$/);
  if (!match) return fallback;
  const parsed = rateLimitSchema.safeParse({ limit: Number(match[1]), periodSeconds: Number(match[2]) });
  return parsed.success ? parsed.data : fallback;
}

/**
 * How many tokens a Worker isolate takes from its key's limiter at once: 1%
 * of the limit, between 1 and 100. A busy key then costs one limiter call per
 * up to 100 requests, and a small limit is counted exactly.
 */
export function leaseSize(rate: RateLimit): number {
  return Math.min(100, Math.max(1, Math.floor(rate.limit / 100)));
}

/**
 * Refills `bucket` up to `now` and takes up to `want` whole tokens: allowed
 * when at least one was there. `granted` says how many were taken. Pure:
 * returns the new bucket.
 */
export function takeTokens(bucket: Bucket | undefined, rate: RateLimit, now: number, want: number): { bucket: Bucket; decision: Decision; granted: number } {
  const perMs = rate.limit / (rate.periodSeconds * 1000);
  const previous = bucket ?? { tokens: rate.limit, updatedAt: now };
  const refilled = Math.min(rate.limit, previous.tokens + Math.max(0, now - previous.updatedAt) * perMs);
  const granted = Math.max(0, Math.min(want, Math.floor(refilled)));
  const allowed = granted >= 1;
  const tokens = refilled - granted;
  return {
    bucket: { tokens, updatedAt: now },
    granted,
    decision: {
      allowed,
      limit: rate.limit,
      remaining: Math.floor(tokens),
      resetSeconds: Math.ceil((rate.limit - tokens) / perMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
    },
  };
}
