import { drizzle } from "drizzle-orm/d1";
import { and, eq } from "drizzle-orm";
import { orgs } from "./schema";
import { newSecret, sha256Hex } from "../http/crypto";
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
const orgByKey = new TtlCache<Org | null>(60_000);

export async function createOrg(db: D1Database, namespace: Namespace, clerkOrgId: string, appId: string): Promise<CreatedSecret<OrgRecord>> {
  const key = newSecret("ls");
  const row = { id: crypto.randomUUID(), namespaceId: namespace.id, clerkOrgId, appId, keyHash: await sha256Hex(key), keyPrefix: key.slice(0, 7), createdAt: Date.now() };
  await drizzle(db).insert(orgs).values(row);
  return { record: { id: row.id, namespace: namespace.name, clerkOrgId, appId, prefix: row.keyPrefix, createdAt: row.createdAt }, secret: key };
}

export async function findOrg(db: D1Database, clerkOrgId: string, appId: string): Promise<Org | undefined> {
  return drizzle(db)
    .select()
    .from(orgs)
    .where(and(eq(orgs.clerkOrgId, clerkOrgId), eq(orgs.appId, appId)))
    .get();
}

export async function listOrgs(db: D1Database, namespace: Namespace): Promise<OrgRecord[]> {
  const rows = await drizzle(db).select().from(orgs).where(eq(orgs.namespaceId, namespace.id)).orderBy(orgs.createdAt).all();
  return rows.map((row) => ({ id: row.id, namespace: namespace.name, clerkOrgId: row.clerkOrgId, appId: row.appId, prefix: row.keyPrefix, createdAt: row.createdAt }));
}

export async function orgForKey(db: D1Database, key: string): Promise<Org | null> {
  return orgByKey.getOrLoad(key, async () => {
    const row = await drizzle(db)
      .select({ id: orgs.id, namespaceId: orgs.namespaceId, clerkOrgId: orgs.clerkOrgId, appId: orgs.appId })
      .from(orgs)
      .where(eq(orgs.keyHash, await sha256Hex(key)))
      .get();
    return row ?? null;
  });
}
