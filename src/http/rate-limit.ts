import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { parseRateLimit, type RateLimit } from "../limits/token-bucket";

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
  return env.RATE_LIMITER.getByName(`${key.kind}:${key.id}`);
}

/**
 * Takes one request from the key's bucket: sets the `X-RateLimit-*` headers
 * on the answer, and answers 429 with `Retry-After` when the bucket is empty.
 * `RATE_LIMITS = "off"` skips the check (the bench compares both).
 */
export async function enforceRateLimit(c: Context<AppEnv>, key: LimitedKey): Promise<void> {
  if (c.env.RATE_LIMITS === "off") return;
  const decision = await rateLimiterOf(c.env, key).take(defaultRateLimit(c.env, key.kind));
  c.header("X-RateLimit-Limit", String(decision.limit));
  c.header("X-RateLimit-Remaining", String(decision.remaining));
  c.header("X-RateLimit-Reset", String(decision.resetSeconds));
  if (!decision.allowed) {
    c.header("Retry-After", String(decision.retryAfterSeconds));
    throw new ApiError(429, "rate_limited", `too many requests for this ${key.kind === "source" ? "write key" : "API key"}; retry after ${decision.retryAfterSeconds} s`, {
      limit: decision.limit,
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}
