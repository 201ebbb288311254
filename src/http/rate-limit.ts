import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { parseRateLimit, type Decision, type RateLimit } from "../limits/token-bucket";

export type LimitedKey = { kind: "source" | "api-key" | "webhook-source"; id: string };

const BUILT_IN: Record<LimitedKey["kind"], RateLimit> = {
  source: { limit: 6000, periodSeconds: 60 },
  "api-key": { limit: 600, periodSeconds: 60 },
  "webhook-source": { limit: 1200, periodSeconds: 60 },
};

/** The limit of a key that has none of its own: the `RATE_LIMIT_*_DEFAULT` var, else the built-in one. */
export function defaultRateLimit(env: Env, kind: LimitedKey["kind"]): RateLimit {
  const configured = { source: env.RATE_LIMIT_SOURCE_DEFAULT, "api-key": env.RATE_LIMIT_API_KEY_DEFAULT, "webhook-source": env.RATE_LIMIT_WEBHOOK_DEFAULT }[kind];
  return parseRateLimit(configured, BUILT_IN[kind]);
}

export function rateLimiterOf(env: Env, key: LimitedKey) {
  return env.RATE_LIMITER.getByName(leaseName(key));
}

/** Tokens this isolate took from a key's limiter ahead of use, and what the limiter said then. */
interface Lease {
  tokens: number;
  until: number;
  decision: Decision;
}

/** An unspent lease lapses after this long, so tokens taken long ago never make a burst. */
const LEASE_MS = 1_000;
const leases = new Map<string, Lease>();
/**
 * Keys whose lease a request of this isolate is renewing, since when. Others
 * meanwhile take a single token each rather than a lease of their own (they
 * cannot wait on that request's call: a promise belongs to its request).
 */
const renewing = new Map<string, number>();

/**
 * Takes one request from the key's bucket: sets the `X-RateLimit-*` headers
 * on the answer, and answers 429 with `Retry-After` when the bucket is empty.
 * The key's `RateLimiter` object is asked for a lease of tokens (see
 * leaseSize) only when this isolate has none left.
 * `RATE_LIMITS = "off"` skips the check (the bench compares both).
 */
export async function enforceRateLimit(c: Context<AppEnv>, key: LimitedKey): Promise<void> {
  if (c.env.RATE_LIMITS === "off") return;
  const { decision, remaining } = await takeToken(c.env, key);
  c.header("X-RateLimit-Limit", String(decision.limit));
  c.header("X-RateLimit-Remaining", String(remaining));
  c.header("X-RateLimit-Reset", String(decision.resetSeconds));
  if (!decision.allowed) {
    c.header("Retry-After", String(decision.retryAfterSeconds));
    const what = { source: "write key", "api-key": "API key", "webhook-source": "webhook source" }[key.kind];
    throw new ApiError(429, "rate_limited", `too many requests for this ${what}; retry after ${decision.retryAfterSeconds} s`, {
      limit: decision.limit,
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}

/** Spends a token of this isolate's lease, or asks the limiter (for a new lease, or one token while another request renews it). */
async function takeToken(env: Env, key: LimitedKey): Promise<{ decision: Decision; remaining: number }> {
  const name = leaseName(key);
  const lease = leases.get(name);
  if (lease && lease.tokens >= 1 && lease.until > Date.now()) {
    lease.tokens--;
    return { decision: lease.decision, remaining: lease.decision.remaining + lease.tokens };
  }
  const renewal = (renewing.get(name) ?? 0) < Date.now() - LEASE_MS;
  if (renewal) renewing.set(name, Date.now());
  try {
    const { granted, ...decision } = await rateLimiterOf(env, key).take(defaultRateLimit(env, key.kind), renewal);
    const spare = Math.max(0, granted - 1); // one is this request's
    const current = leases.get(name);
    const kept = current && current.until > Date.now() ? current.tokens : 0;
    if (leases.size >= 10_000) leases.clear();
    if (spare > 0 || kept > 0) leases.set(name, { tokens: kept + spare, until: Date.now() + LEASE_MS, decision });
    return { decision, remaining: decision.remaining + kept + spare };
  } finally {
    if (renewal) renewing.delete(name);
  }
}

/** A key's limit changed: this isolate drops its lease (others let theirs lapse). */
export function forgetLease(key: LimitedKey): void {
  leases.delete(leaseName(key));
}

function leaseName(key: LimitedKey): string {
  return `${key.kind}:${key.id}`;
}
