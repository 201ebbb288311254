import { database } from "./database";
import { and, eq } from "drizzle-orm";
import { orgs } from "./schema";
import { sha256Hex } from "../http/crypto";
import { keyMatch, lookupKey, mintKey, touchKey, type KeyHit } from "./keys";
import { TtlCache } from "./ttl-cache";
import type { CreatedSecret, Namespace } from "./tenants";

export interface Org {
  id: string;
  namespaceId: string;
  clerkOrgId: string;
  appId: string;
}

export interface OrgRecord {
  id: string;
  namespace: string;
  clerkOrgId: string;
  appId: string;
  prefix: string;
  createdAt: number;
}

// Looked up on every lead-service call; a revoked key works in an isolate for at most this long.
const orgByKey = new TtlCache<(Org & KeyHit) | null>(60_000);

/** Creates the org, or answers undefined when the namespace already has it (another namespace's orgs never collide). */
export async function createOrg(db: D1Database, namespace: Namespace, clerkOrgId: string, appId: string): Promise<CreatedSecret<OrgRecord> | undefined> {
  const { secret, prefix, hash } = await mintKey("org");
  const row = { id: crypto.randomUUID(), namespaceId: namespace.id, clerkOrgId, appId, keyHash: hash, keyPrefix: prefix, createdAt: Date.now() };
  const inserted = await database(db).insert(orgs).values(row).onConflictDoNothing().returning({ id: orgs.id }).get();
  if (!inserted) return undefined;
  return { record: { id: row.id, namespace: namespace.name, clerkOrgId, appId, prefix: row.keyPrefix, createdAt: row.createdAt }, secret };
}

export async function findOrg(db: D1Database, namespaceId: string, clerkOrgId: string, appId: string): Promise<Org | undefined> {
  return database(db)
    .select()
    .from(orgs)
    .where(and(eq(orgs.namespaceId, namespaceId), eq(orgs.clerkOrgId, clerkOrgId), eq(orgs.appId, appId)))
    .get();
}

export async function listOrgs(db: D1Database, namespace: Namespace): Promise<OrgRecord[]> {
  const rows = await database(db).select().from(orgs).where(eq(orgs.namespaceId, namespace.id)).orderBy(orgs.createdAt).all();
  return rows.map((row) => ({ id: row.id, namespace: namespace.name, clerkOrgId: row.clerkOrgId, appId: row.appId, prefix: row.keyPrefix, createdAt: row.createdAt }));
}

export async function orgForKey(db: D1Database, key: string): Promise<Org | null> {
  return lookupKey(orgByKey, "org", key, async () => {
    const now = Date.now();
    const row = await db
      .prepare(
        `SELECT o.id, o.namespace_id AS namespaceId, o.clerk_org_id AS clerkOrgId, o.app_id AS appId,
                CASE WHEN o.key_hash = ?1 THEN NULL ELSE o.previous_expires_at END AS validUntil
         FROM orgs o WHERE ${keyMatch("org", "o")}`,
      )
      .bind(await sha256Hex(key), now)
      .first<Org & { validUntil: number | null }>();
    if (!row) return null;
    await touchKey(db, "org", row.id, now);
    return { ...row, keyId: row.id, loadedAt: now };
  });
}
