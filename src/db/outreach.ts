import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray } from "drizzle-orm";
import { connectedAccounts, namespaceKeywords, namespaceScoring, namespaces, webhookSources } from "./schema";
import { newSecret, sha256Hex } from "../http/crypto";
import type { Namespace, CreatedSecret } from "./tenants";
import type { RoutingKeyword } from "../sources/routing";
import type { Platform } from "../sources/types";

export async function loadRoutingKeywords(db: D1Database): Promise<RoutingKeyword[]> {
  return drizzle(db).select({ keyword: namespaceKeywords.keyword, namespaceId: namespaceKeywords.namespaceId }).from(namespaceKeywords).all();
}

export async function keywordsByNamespace(db: D1Database, namespaceIds: readonly string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(namespaceIds.map((id) => [id, []]));
  if (namespaceIds.length === 0) return found;
  const rows = await drizzle(db)
    .select()
    .from(namespaceKeywords)
    .where(inArray(namespaceKeywords.namespaceId, [...namespaceIds]))
    .orderBy(namespaceKeywords.keyword)
    .all();
  for (const row of rows) found.get(row.namespaceId)?.push(row.keyword);
  return found;
}

/** Keywords of `keywords` that another namespace already holds. */
export async function keywordsTakenElsewhere(db: D1Database, namespaceId: string | null, keywords: readonly string[]): Promise<{ keyword: string; namespace: string }[]> {
  if (keywords.length === 0) return [];
  const rows = await drizzle(db)
    .select({ keyword: namespaceKeywords.keyword, namespaceId: namespaceKeywords.namespaceId, namespace: namespaces.name })
    .from(namespaceKeywords)
    .innerJoin(namespaces, eq(namespaces.id, namespaceKeywords.namespaceId))
    .where(inArray(namespaceKeywords.keyword, [...keywords]))
    .all();
  return rows.filter((r) => r.namespaceId !== namespaceId).map(({ keyword, namespace }) => ({ keyword, namespace }));
}

/** Replaces a namespace's keywords in one batch. */
export async function setKeywords(db: D1Database, namespaceId: string, keywords: readonly string[]): Promise<void> {
  const orm = drizzle(db);
  const now = Date.now();
  const remove = orm.delete(namespaceKeywords).where(eq(namespaceKeywords.namespaceId, namespaceId));
  if (keywords.length === 0) {
    await remove;
    return;
  }
  await orm.batch([remove, orm.insert(namespaceKeywords).values(keywords.map((keyword) => ({ keyword, namespaceId, createdAt: now })))]);
}

export async function scoringVersions(db: D1Database, namespaceIds: readonly string[]): Promise<Map<string, number>> {
  if (namespaceIds.length === 0) return new Map();
  const rows = await drizzle(db)
    .select({ namespaceId: namespaceScoring.namespaceId, version: namespaceScoring.version })
    .from(namespaceScoring)
    .where(inArray(namespaceScoring.namespaceId, [...namespaceIds]))
    .all();
  return new Map(rows.map((r) => [r.namespaceId, r.version]));
}

export interface WebhookSource {
  id: string;
  namespaceId: string;
  platform: Platform;
  name: string;
  secretHash: string;
}

export async function createWebhookSource(
  db: D1Database,
  namespace: Namespace,
  platform: Platform,
  name: string,
): Promise<CreatedSecret<{ id: string; platform: Platform; name: string; namespace: string }>> {
  const secret = newSecret("whs");
  const id = crypto.randomUUID();
  await drizzle(db).insert(webhookSources).values({ id, namespaceId: namespace.id, platform, name, secretHash: await sha256Hex(secret), createdAt: Date.now() });
  return { record: { id, platform, name, namespace: namespace.name }, secret };
}

export async function findWebhookSource(db: D1Database, id: string, platform: Platform): Promise<WebhookSource | undefined> {
  return drizzle(db)
    .select()
    .from(webhookSources)
    .where(and(eq(webhookSources.id, id), eq(webhookSources.platform, platform)))
    .get();
}

export async function listWebhookSources(db: D1Database, namespaceId: string) {
  return drizzle(db)
    .select({ id: webhookSources.id, platform: webhookSources.platform, name: webhookSources.name, createdAt: webhookSources.createdAt })
    .from(webhookSources)
    .where(eq(webhookSources.namespaceId, namespaceId))
    .all();
}

export type ConnectedAccount = typeof connectedAccounts.$inferSelect;

export async function createAccount(
  db: D1Database,
  namespaceId: string,
  input: { platform: Platform; name: string; apiKey: string; baseUrl?: string | null },
): Promise<ConnectedAccount> {
  const account: ConnectedAccount = {
    id: crypto.randomUUID(),
    namespaceId,
    platform: input.platform,
    name: input.name,
    apiKey: input.apiKey,
    baseUrl: input.baseUrl ?? null,
    watermark: null,
    lastSyncedAt: null,
    syncEnabled: true,
    syncIntervalMinutes: null,
    createdAt: Date.now(),
  };
  await drizzle(db).insert(connectedAccounts).values(account);
  return account;
}

export async function listAccounts(db: D1Database, namespaceIds?: readonly string[]): Promise<ConnectedAccount[]> {
  const query = drizzle(db).select().from(connectedAccounts);
  const rows = namespaceIds ? await query.where(inArray(connectedAccounts.namespaceId, [...namespaceIds])).all() : await query.all();
  return rows.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

export async function getAccount(db: D1Database, id: string): Promise<ConnectedAccount | undefined> {
  return drizzle(db).select().from(connectedAccounts).where(eq(connectedAccounts.id, id)).get();
}

export async function deleteAccount(db: D1Database, namespaceId: string, id: string): Promise<boolean> {
  const deleted = await drizzle(db)
    .delete(connectedAccounts)
    .where(and(eq(connectedAccounts.id, id), eq(connectedAccounts.namespaceId, namespaceId)))
    .returning({ id: connectedAccounts.id });
  return deleted.length > 0;
}

/** Sets the schedule of every connected account of the namespace; answers how many it changed. */
export async function setSyncSchedule(db: D1Database, namespaceId: string, change: { enabled?: boolean; intervalMinutes?: number | null }): Promise<number> {
  const set: Partial<Pick<ConnectedAccount, "syncEnabled" | "syncIntervalMinutes">> = {};
  if (change.enabled !== undefined) set.syncEnabled = change.enabled;
  if (change.intervalMinutes !== undefined) set.syncIntervalMinutes = change.intervalMinutes;
  if (Object.keys(set).length === 0) return 0;
  const changed = await drizzle(db).update(connectedAccounts).set(set).where(eq(connectedAccounts.namespaceId, namespaceId)).returning({ id: connectedAccounts.id });
  return changed.length;
}
