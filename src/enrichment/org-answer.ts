import { addOrgStats, recordOrgLookup } from "../db/enrichment";
import { enrichEmail, type Enrichment } from "./enrich";

/**
 * An enrichment as one organisation hears it, native `/enrich` and the Lead
 * Service's `/compat/lead-service/enrich` alike. The cache is global (no
 * provider is paid twice), but nothing in the answer speaks of another
 * organisation's or namespace's lookups: `cached` is true only for an email
 * this organisation asked about before and no provider was asked for now, and
 * `fetchedAt` is when its own answer was fetched for it (its first lookup, or
 * its last that asked a provider), never the cache entry's time.
 */
export async function enrichForOrg(env: Env, orgId: string, email: string): Promise<Enrichment> {
  const found = await enrichEmail(env, email);
  const { askedBefore, answeredAt } = await recordOrgLookup(env.DB, orgId, found.email, Date.now(), !found.cached);
  const cached = found.cached && askedBefore;
  await addOrgStats(env.DB, orgId, cached);
  return { ...found, cached, fetchedAt: answeredAt };
}
