import type { BufferCounts } from "../contracts/buffer-overview";

/** Buffer counts per organisation and buffer namespace, for every org of a leadflare namespace (the console's Buffers screen). */
export async function bufferOverview(db: D1Database, orgIds: readonly string[], now: number) {
  if (orgIds.length === 0) return [];
  const placeholders = orgIds.map((_, i) => `?${i + 2}`).join(", ");
  const { results } = await db
    .prepare(
      `SELECT org_id AS orgId, namespace,
         count(*) FILTER (WHERE status = 'buffered') AS buffered,
         count(*) FILTER (WHERE status = 'claimed' AND claim_expires_at > ?1) AS claimed,
         count(*) FILTER (WHERE status = 'claimed' AND claim_expires_at <= ?1) AS expiredClaims,
         count(*) FILTER (WHERE status = 'served') AS served,
         coalesce(sum(max(claims - 1, 0)), 0) AS reclaimed
       FROM buffered_leads WHERE org_id IN (${placeholders})
       GROUP BY org_id, namespace ORDER BY org_id, namespace`,
    )
    .bind(now, ...orgIds)
    .all<BufferCounts & { orgId: string }>();
  return results;
}
