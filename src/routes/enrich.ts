import { Hono } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { requireOrg } from "../http/org-auth";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { enrichBody } from "../schemas/lead-service";
import { EnrichmentBusy, enrichEmail } from "../enrichment/enrich";
import { readStats } from "../db/enrichment";
import { PROVIDER_CHAIN } from "../enrichment/chain";

export const enrichRoutes = new Hono<AppEnv>();
enrichRoutes.use("*", requireOrg);

enrichRoutes.post("/", async (c) => {
  const { email } = parseOrThrow(enrichBody, await jsonBody(c));
  try {
    return c.json(await enrichEmail(c.env, email));
  } catch (error) {
    if (error instanceof EnrichmentBusy) {
      c.header("Retry-After", "5");
      throw new ApiError(503, "lookup_in_progress", `${error.message}; retry in a few seconds`);
    }
    throw error;
  }
});

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);

/** Per provider: calls, hits, misses, errors, rate-limited skips, hit rate and cost; and the cache's hit rate. */
enrichRoutes.get("/stats", async (c) => {
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
    cache: { lookups, hits: cache?.hits ?? 0, misses: cache?.misses ?? 0, hitRate: ratio(cache?.hits ?? 0, lookups) },
    providers,
    totalCostUsd: providers.reduce((sum, p) => sum + p.costUsd, 0),
  });
});
