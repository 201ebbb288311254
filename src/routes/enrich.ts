import { Hono, type Context } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { enrichBody } from "../schemas/lead-service";
import { EnrichmentBusy } from "../enrichment/enrich";
import { enrichForOrg } from "../enrichment/org-answer";
import { readOrgStats, readStats } from "../db/enrichment";
import { PROVIDER_CHAIN } from "../enrichment/chain";

/**
 * Enrichment for lead-service organisations. The cache is global (no provider
 * is paid twice), but what an organisation hears is its own (`cached` and
 * `fetchedAt` from its own lookups: src/enrichment/org-answer.ts), and
 * /enrich/stats shows its own counts (global figures only to the admin token).
 */
export const enrichRoutes = new Hono<AppEnv>();

enrichRoutes.post("/", async (c) => {
  const { email } = parseOrThrow(enrichBody, await jsonBody(c));
  try {
    return c.json(await enrichForOrg(c.env, c.var.org.id, email));
  } catch (error) {
    if (error instanceof EnrichmentBusy) {
      c.header("Retry-After", "5");
      throw new ApiError(503, "lookup_in_progress", `${error.message}; retry in a few seconds`);
    }
    throw error;
  }
});

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);

/** The admin token: per provider calls, hits, misses, errors, rate-limited skips, hit rate and cost, and the cache's hit rate, for the whole deployment. */
enrichRoutes.get("/stats", async (c) => (c.var.credential === "admin" ? globalStats(c) : orgStats(c)));

async function globalStats(c: Context<AppEnv>): Promise<Response> {
  const rows = new Map((await readStats(c.env.DB)).map((row) => [row.provider, row]));
  const now = Date.now();
  const providers = PROVIDER_CHAIN.map(({ name, limitPerMinute, apiKey }) => {
    const row = rows.get(name);
    const calls = row?.calls ?? 0;
    return {
      provider: name,
      configured: apiKey(c.env) !== undefined,
      limitPerMinute,
      calls,
      hits: row?.hits ?? 0,
      misses: row?.misses ?? 0,
      errors: row?.errors ?? 0,
      rateLimited: row?.rateLimited ?? 0,
      hitRate: ratio(row?.hits ?? 0, calls),
      costUsd: (row?.costMicros ?? 0) / 1e6,
      restingUntil: row && row.unavailableUntil > now ? new Date(row.unavailableUntil).toISOString() : null,
    };
  });
  const cache = rows.get("cache");
  const lookups = (cache?.hits ?? 0) + (cache?.misses ?? 0);
  return c.json({
    scope: "global",
    cache: { lookups, hits: cache?.hits ?? 0, misses: cache?.misses ?? 0, hitRate: ratio(cache?.hits ?? 0, lookups) },
    providers,
    totalCostUsd: providers.reduce((sum, p) => sum + p.costUsd, 0),
  });
}

/** An organisation: its own lookups, and how many were of emails it had asked about before. */
async function orgStats(c: Context<AppEnv>): Promise<Response> {
  const { lookups, hits } = await readOrgStats(c.env.DB, c.var.org.id);
  return c.json({
    scope: "org",
    cache: { lookups, hits, misses: lookups - hits, hitRate: ratio(hits, lookups) },
    providers: PROVIDER_CHAIN.map(({ name, limitPerMinute, apiKey }) => ({ provider: name, configured: apiKey(c.env) !== undefined, limitPerMinute })),
  });
}
