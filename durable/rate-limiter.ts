import { DurableObject } from "cloudflare:workers";
import { leaseSize, takeTokens, type Bucket, type Decision, type RateLimit } from "../src/limits/token-bucket";

/**
 * One token bucket per source or API key (named `source:<id>` or
 * `api-key:<id>`). The configured limit is stored; the bucket itself lives in
 * memory only, so a limiter evicted after being idle starts full again, which
 * an idle bucket mostly is anyway. One object serialises every request of its
 * key. Worker isolates take tokens in small leases (src/http/rate-limit.ts),
 * so the object sees about one call per lease and isolate rather than one per
 * request; a key is let through no more than its limit, save at most one
 * lease per isolate borrowed in the moment a busy key runs dry. An isolate's
 * unspent lease lapses after a second.
 */
export class RateLimiter extends DurableObject<Env> {
  private configured: RateLimit | null = null;
  private bucket: Bucket | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.configured = (await ctx.storage.get<RateLimit>("limit")) ?? null;
    });
  }

  /**
   * Takes a lease of tokens (see leaseSize), or with `lease` false a single
   * token, for a Worker isolate to spend on this key's next requests; none
   * at all refuses the request.
   * `fallback` is the default for this kind of key, used while none is configured.
   */
  async take(fallback: RateLimit, lease = true): Promise<Decision & { granted: number }> {
    const rate = this.configured ?? fallback;
    const { bucket, decision, granted } = takeTokens(this.bucket, rate, Date.now(), lease ? leaseSize(rate) : 1);
    this.bucket = bucket;
    return { ...decision, granted };
  }

  /** Sets this key's limit (null: back to the default); the bucket starts full under it. */
  async configure(limit: RateLimit | null): Promise<void> {
    if (limit) await this.ctx.storage.put("limit", limit);
    else await this.ctx.storage.delete("limit");
    this.configured = limit;
    this.bucket = undefined;
  }
}
