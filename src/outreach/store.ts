import { database } from "../db/database";
import { and, eq, inArray, or } from "drizzle-orm";
import { connectedAccounts, namespaceKeywords, namespaceRouteAcceptance, namespaceScoring, namespaces, webhookSources } from "../db/schema";
import { mintKey } from "../db/keys";
import { ACCOUNT_API_KEY, open, seal } from "../db/sealed";
import type { RateLimit } from "../limits/token-bucket";
import type { Namespace, CreatedSecret } from "../db/tenants";
import type { RoutingKeyword } from "./routing";
import type { Platform } from "./types";

/**
 * The keywords activity brought by `sourceNamespaceId`'s syncs and webhooks
 * may route by: its own, and those of the namespaces that accept it.
 */
export async function loadRoutingKeywords(db: D1Database, sourceNamespaceId: string): Promise<RoutingKeyword[]> {
  const accepting = database(db)
    .select({ id: namespaceRouteAcceptance.namespaceId })
    .from(namespaceRouteAcceptance)
    .where(eq(namespaceRouteAcceptance.sourceNamespaceId, sourceNamespaceId));
  return database(db)
    .select({ keyword: namespaceKeywords.keyword, namespaceId: namespaceKeywords.namespaceId })
    .from(namespaceKeywords)
    .where(or(eq(namespaceKeywords.namespaceId, sourceNamespaceId), inArray(namespaceKeywords.namespaceId, accepting)))
    .all();
}

/** The names of the namespaces each of `namespaceIds` accepts routed activity from. */
export async function acceptedSources(db: D1Database, namespaceIds: readonly string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(namespaceIds.map((id) => [id, []]));
  if (namespaceIds.length === 0) return found;
  const rows = await database(db)
    .select({ namespaceId: namespaceRouteAcceptance.namespaceId, name: namespaces.name })
    .from(namespaceRouteAcceptance)
    .innerJoin(namespaces, eq(namespaces.id, namespaceRouteAcceptance.sourceNamespaceId))
    .where(inArray(namespaceRouteAcceptance.namespaceId, [...namespaceIds]))
    .orderBy(namespaces.name)
    .all();
  for (const row of rows) found.get(row.namespaceId)?.push(row.name);
  return found;
}

/** The ids of the namespaces each of `namespaceIds` accepts routed activity from. */
export async function acceptedSourceIds(db: D1Database, namespaceIds: readonly string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(namespaceIds.map((id) => [id, []]));
  if (namespaceIds.length === 0) return found;
  const rows = await database(db)
    .select({ namespaceId: namespaceRouteAcceptance.namespaceId, sourceId: namespaceRouteAcceptance.sourceNamespaceId })
    .from(namespaceRouteAcceptance)
    .where(inArray(namespaceRouteAcceptance.namespaceId, [...namespaceIds]))
    .all();
  for (const row of rows) found.get(row.namespaceId)?.push(row.sourceId);
  return found;
}

/** The ids of the namespaces that accept routed activity from `sourceNamespaceId` (its clients). */
export async function namespacesAccepting(db: D1Database, sourceNamespaceId: string): Promise<string[]> {
  const rows = await database(db)
    .select({ id: namespaceRouteAcceptance.namespaceId })
    .from(namespaceRouteAcceptance)
    .where(eq(namespaceRouteAcceptance.sourceNamespaceId, sourceNamespaceId))
    .all();
  return rows.map((r) => r.id);
}

/** Replaces the namespaces `namespaceId` accepts routed activity from. */
export async function setAcceptedSources(db: D1Database, namespaceId: string, sourceNamespaceIds: readonly string[]): Promise<void> {
  const orm = database(db);
  const remove = orm.delete(namespaceRouteAcceptance).where(eq(namespaceRouteAcceptance.namespaceId, namespaceId));
  if (sourceNamespaceIds.length === 0) {
    await remove;
    return;
  }
  const now = Date.now();
  await orm.batch([remove, orm.insert(namespaceRouteAcceptance).values(sourceNamespaceIds.map((sourceNamespaceId) => ({ namespaceId, sourceNamespaceId, createdAt: now })))]);
}

export async function keywordsByNamespace(db: D1Database, namespaceIds: readonly string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(namespaceIds.map((id) => [id, []]));
  if (namespaceIds.length === 0) return found;
  const rows = await database(db)
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
  const rows = await database(db)
    .select({ keyword: namespaceKeywords.keyword, namespaceId: namespaceKeywords.namespaceId, namespace: namespaces.name })
    .from(namespaceKeywords)
    .innerJoin(namespaces, eq(namespaces.id, namespaceKeywords.namespaceId))
    .where(inArray(namespaceKeywords.keyword, [...keywords]))
    .all();
  return rows.filter((r) => r.namespaceId !== namespaceId).map(({ keyword, namespace }) => ({ keyword, namespace }));
}

/** Replaces a namespace's keywords in one batch. */
export async function setKeywords(db: D1Database, namespaceId: string, keywords: readonly string[]): Promise<void> {
  const orm = database(db);
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
  const rows = await database(db)
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
  /** The secret before a rotation, while its grace period lasts. */
  previousSecretHash: string | null;
}

export async function createWebhookSource(
  db: D1Database,
  namespace: Namespace,
  platform: Platform,
  name: string,
): Promise<CreatedSecret<{ id: string; platform: Platform; name: string; namespace: string; prefix: string }>> {
  const { secret, prefix, hash } = await mintKey("webhook-source");
  const id = crypto.randomUUID();
  await database(db).insert(webhookSources).values({ id, namespaceId: namespace.id, platform, name, secretHash: hash, keyPrefix: prefix, createdAt: Date.now() });
  return { record: { id, platform, name, namespace: namespace.name, prefix }, secret };
}

export async function findWebhookSource(db: D1Database, id: string, platform: Platform): Promise<WebhookSource | undefined> {
  const row = await database(db)
    .select()
    .from(webhookSources)
    .where(and(eq(webhookSources.id, id), eq(webhookSources.platform, platform)))
    .get();
  if (!row) return undefined;
  const previousValid = row.previousKeyHash !== null && row.previousExpiresAt !== null && row.previousExpiresAt > Date.now();
  return { id: row.id, namespaceId: row.namespaceId, platform: row.platform, name: row.name, secretHash: row.secretHash, previousSecretHash: previousValid ? row.previousKeyHash : null };
}

export async function listWebhookSources(db: D1Database, namespaceId: string) {
  return database(db)
    .select({ id: webhookSources.id, platform: webhookSources.platform, name: webhookSources.name, rateLimit: webhookSources.rateLimit, createdAt: webhookSources.createdAt })
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
  await database(db)
    .insert(connectedAccounts)
    .values({ ...account, apiKey: await seal(ACCOUNT_API_KEY, account.id, account.apiKey) });
  return account;
}

/** The account with its API key opened (it is sealed at rest: see src/secrets/cipher.ts). */
async function openAccount(db: D1Database, row: ConnectedAccount): Promise<ConnectedAccount> {
  return { ...row, apiKey: await open(db, ACCOUNT_API_KEY, row.id, row.apiKey) };
}

export async function listAccounts(db: D1Database, namespaceIds?: readonly string[]): Promise<ConnectedAccount[]> {
  const query = database(db).select().from(connectedAccounts);
  const rows = namespaceIds ? await query.where(inArray(connectedAccounts.namespaceId, [...namespaceIds])).all() : await query.all();
  const opened = await Promise.all(rows.map((row) => openAccount(db, row)));
  return opened.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

export async function getAccount(db: D1Database, id: string): Promise<ConnectedAccount | undefined> {
  const row = await database(db).select().from(connectedAccounts).where(eq(connectedAccounts.id, id)).get();
  return row && openAccount(db, row);
}

export async function deleteAccount(db: D1Database, namespaceId: string, id: string): Promise<boolean> {
  const deleted = await database(db)
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
  const changed = await database(db).update(connectedAccounts).set(set).where(eq(connectedAccounts.namespaceId, namespaceId)).returning({ id: connectedAccounts.id });
  return changed.length;
}
