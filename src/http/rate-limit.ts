import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { leaseSize, type Decision, type RateLimit } from "../limits/token-bucket";
import { config } from "../config";

export type LimitedKey = { kind: "source" | "api-key" | "webhook-source"; id: string };

/** The limit of a key that has none of its own: the `RATE_LIMIT_*_DEFAULT` var, else the built-in one. */
export function defaultRateLimit(env: Env, kind: LimitedKey["kind"]): RateLimit {
  return config(env).rateLimits.defaults[kind];
}

export function rateLimiterOf(env: Env, key: LimitedKey) {
  return env.RATE_LIMITER.getByName(leaseName(key));
}

/** Tokens this isolate took from a key's limiter ahead of use, and what the limiter said then. */
interface Lease {
  /** Below zero: tokens borrowed during a renewal that the lease it brought did not cover, paid from the next one. */
  tokens: number;
  until: number;
  decision: Decision;
}

/**
 * A request of this isolate renewing a key's lease: meanwhile the others
 * borrow from the lease on its way (they cannot wait on that request's call:
 * a promise belongs to its request), up to `canBorrow` tokens.
 */
interface Renewal {
  since: number;
  borrowed: number;
  canBorrow: number;
  decision: Decision;
  /** Renewals of the key already under way when this one started (a burst may need several leases at once). */
  depth: number;
}

/** An unspent lease lapses after this long, so tokens taken long ago never make a burst. */
const LEASE_MS = 1_000;
const leases = new Map<string, Lease>();
const renewing = new Map<string, Renewal>();

/**
 * Takes one request from the key's bucket: sets the `X-RateLimit-*` headers
 * on the answer, and answers 429 with `Retry-After` when the bucket is empty.
 * The key's `RateLimiter` object is asked for a lease of tokens (see
 * leaseSize) only when this isolate has none left.
 * `RATE_LIMITS = "off"` skips the check (the bench compares both).
 */
export async function enforceRateLimit(c: Context<AppEnv>, key: LimitedKey): Promise<void> {
  if (!config(c.env).rateLimits.on) return;
  const { decision, remaining } = await takeToken(c.env, key);
  c.header("X-RateLimit-Limit", String(decision.limit));
  c.header("X-RateLimit-Remaining", String(remaining));
  c.header("X-RateLimit-Reset", String(resetHeader(c, decision.resetSeconds)));
  if (!decision.allowed) {
    c.header("Retry-After", String(decision.retryAfterSeconds));
    const what = { source: "write key", "api-key": "API key", "webhook-source": "webhook source" }[key.kind];
    throw new ApiError(429, "rate_limited", `too many requests for this ${what}; retry after ${decision.retryAfterSeconds} s`, {
      limit: decision.limit,
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}

/**
 * Native answers say in how many seconds the bucket is full again (like
 * Retry-After, and unaffected by clock skew); the seed APIs under /compat/
 * say when, in Unix seconds, as Cairo's Full Sync API documents.
 */
function resetHeader(c: Context<AppEnv>, resetSeconds: number): number {
  return c.req.path.startsWith("/compat/") ? Math.ceil(Date.now() / 1000) + resetSeconds : resetSeconds;
}

/**
 * Spends a token of this isolate's lease; else, while another request renews
 * the lease, borrows from the lease on its way; else asks the limiter (for a
 * new lease, or one token when borrowing is not safe). So a busy key costs
 * its limiter one call per lease and isolate, however many requests arrive at once.
 */
async function takeToken(env: Env, key: LimitedKey): Promise<{ decision: Decision; remaining: number }> {
  const name = leaseName(key);
  const now = Date.now();
  const lease = leases.get(name);
  if (lease && lease.tokens >= 1 && lease.until > now) {
    lease.tokens--;
    return { decision: lease.decision, remaining: lease.decision.remaining + lease.tokens };
  }
  const current = renewing.get(name);
  const inFlight = current && current.since >= now - LEASE_MS ? current : undefined;
  if (inFlight && inFlight.borrowed < inFlight.canBorrow) {
    inFlight.borrowed++;
    return { decision: inFlight.decision, remaining: Math.max(0, inFlight.decision.remaining - inFlight.borrowed) };
  }
  // Its lease is all borrowed: another lease when borrowing is safe, else a single token.
  const renewal = !inFlight || inFlight.canBorrow > 0;
  const depth = inFlight ? inFlight.depth + 1 : 0;
  const last = lease?.decision ?? inFlight?.decision;
  const mine: Renewal | undefined = renewal ? { since: now, borrowed: 0, canBorrow: borrowable(last, depth), decision: last ?? NO_DECISION, depth } : undefined;
  if (mine) renewing.set(name, mine);
  try {
    const { granted, ...decision } = await rateLimiterOf(env, key).take(defaultRateLimit(env, key.kind), renewal);
    const spare = Math.max(0, granted - 1) - (mine?.borrowed ?? 0); // one is this request's; borrowers took theirs
    const held = leases.get(name);
    const kept = held && held.until > Date.now() ? held.tokens : 0;
    if (leases.size >= 10_000) leases.clear();
    // Kept even when empty: the latest decision says whether borrowing is safe.
    leases.set(name, { tokens: kept + spare, until: Date.now() + LEASE_MS, decision });
    return { decision, remaining: decision.remaining + Math.max(0, kept + spare) };
  } finally {
    if (mine && renewing.get(name) === mine) renewing.delete(name);
  }
}

const NO_DECISION: Decision = { allowed: true, limit: 0, remaining: 0, resetSeconds: 0, retryAfterSeconds: 0 };

/** Renewals of one key an isolate has under way at once, at most. */
const MAX_RENEWALS = 8;

/**
 * How many requests may borrow from a lease being renewed: all but one of a
 * lease, and only when the limiter last said the bucket held two leases more
 * than the renewals under way take, so each renewal surely brings a whole
 * lease unless other isolates emptied the bucket meanwhile (then the debt,
 * at most a lease a renewal, is paid from the next lease). Near its limit a
 * key is counted exactly.
 */
function borrowable(last: Decision | undefined, depth: number): number {
  if (!last || !last.allowed || depth >= MAX_RENEWALS) return 0;
  const lease = leaseSize({ limit: last.limit, periodSeconds: 1 });
  return last.remaining >= (depth + 2) * lease ? lease - 1 : 0;
}

/** A key's limit changed: this isolate drops its lease (others let theirs lapse). */
export function forgetLease(key: LimitedKey): void {
  leases.delete(leaseName(key));
}

function leaseName(key: LimitedKey): string {
  return `${key.kind}:${key.id}`;
}
