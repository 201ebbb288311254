import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { parseRateLimit, type Decision, type RateLimit } from "../limits/token-bucket";

export type LimitedKey = { kind: "source" | "api-key"; id: string };

const BUILT_IN: Record<LimitedKey["kind"], RateLimit> = {
  source: { limit: 6000, periodSeconds: 60 },
  "api-key": { limit: 600, periodSeconds: 60 },
};

/** The limit of a key that has none of its own: the `RATE_LIMIT_*_DEFAULT` var, else the built-in one. */
export function defaultRateLimit(env: Env, kind: LimitedKey["kind"]): RateLimit {
  const configured = kind === "source" ? env.RATE_LIMIT_SOURCE_DEFAULT : env.RATE_LIMIT_API_KEY_DEFAULT;
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
 * Takes one request from the key's bucket: sets the `X-RateLimit-*` headers
 * on the answer, and answers 429 with `Retry-After` when the bucket is empty.
 * The key's `RateLimiter` object is asked for a lease of tokens (see
 * leaseSize) only when this isolate has none left.
 * `RATE_LIMITS = "off"` skips the check (the bench compares both).
 */
export async function enforceRateLimit(c: Context<AppEnv>, key: LimitedKey): Promise<void> {
  if (c.env.RATE_LIMITS === "off") return;
  const name = leaseName(key);
  let lease = leases.get(name);
  if (!lease || lease.tokens < 1 || lease.until <= Date.now()) {
    const { granted, ...decision } = await rateLimiterOf(c.env, key).take(defaultRateLimit(c.env, key.kind));
    lease = { tokens: granted, until: Date.now() + LEASE_MS, decision };
    if (leases.size >= 10_000) leases.clear();
    leases.set(name, lease);
  }
  const decision = lease.decision;
  if (decision.allowed) lease.tokens--;
  c.header("X-RateLimit-Limit", String(decision.limit));
  c.header("X-RateLimit-Remaining", String(decision.remaining + Math.max(0, lease.tokens)));
  c.header("X-RateLimit-Reset", String(decision.resetSeconds));
  if (!decision.allowed) {
    leases.delete(name);
    c.header("Retry-After", String(decision.retryAfterSeconds));
    throw new ApiError(429, "rate_limited", `too many requests for this ${key.kind === "source" ? "write key" : "API key"}; retry after ${decision.retryAfterSeconds} s`, {
      limit: decision.limit,
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}

/** A key's limit changed: this isolate drops its lease (others let theirs lapse). */
export function forgetLease(key: LimitedKey): void {
  leases.delete(leaseName(key));
}

function leaseName(key: LimitedKey): string {
  return `${key.kind}:${key.id}`;
}
