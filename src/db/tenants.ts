import { database } from "./database";
import { and, eq } from "drizzle-orm";
import { apiKeys, namespaceScoring, namespaces, sources } from "./schema";
import { sha256Hex } from "../http/crypto";
import { keyMatch, listKeys, lookupKey, mintKey, touchKey, type KeyHit } from "./keys";
import { TtlCache } from "./ttl-cache";
import { readRateLimit } from "./rate-limits";
import type { LimitedKeyListing } from "../contracts/key-listing";

export interface Namespace {
  id: string;
  name: string;
}

/** Who a management call acts as: the admin (every namespace) or one namespace. */
export type Caller = { kind: "admin" } | { kind: "namespace"; namespace: Namespace };

/** A namespace as an ingest call needs it: with the scoring version lead objects compare against. */
export interface IngestNamespace extends Namespace {
  scoringVersion: number;
  /** The source whose write key was used: its rate limit applies. */
  sourceId: string;
}

/** A namespace reached through one of its API keys: that key's rate limit applies. */
export type ApiKeyScope = "read" | "write";

export interface ApiKeyNamespace extends Namespace {
  apiKeyId: string;
  scope: ApiKeyScope;
}

export interface CreatedSecret<T> {
  record: T;
  /** Shown once, on creation; only its hash is stored. */
  secret: string;
}

// Keys are looked up on every ingest call; a short cache keeps D1 off the hot path.
// A revoked key keeps working in an isolate for at most this long.
const KEY_CACHE_MS = 60_000;
// Keyed by the key itself (isolate memory only), so a hit costs no hashing.
const namespaceByWriteKey = new TtlCache<(IngestNamespace & KeyHit) | null>(KEY_CACHE_MS);
const namespaceByApiKey = new TtlCache<(ApiKeyNamespace & KeyHit) | null>(KEY_CACHE_MS);

export async function createNamespace(db: D1Database, name: string): Promise<Namespace> {
  const namespace = { id: crypto.randomUUID(), name, createdAt: Date.now() };
  await database(db).insert(namespaces).values(namespace);
  return { id: namespace.id, name };
}

export async function findNamespaceByName(db: D1Database, name: string): Promise<Namespace | undefined> {
  return database(db).select({ id: namespaces.id, name: namespaces.name }).from(namespaces).where(eq(namespaces.name, name)).get();
}

export async function listNamespaces(db: D1Database): Promise<Namespace[]> {
  return database(db).select({ id: namespaces.id, name: namespaces.name }).from(namespaces).orderBy(namespaces.name).all();
}

export async function createSource(db: D1Database, namespace: Namespace, name: string): Promise<CreatedSecret<{ id: string; name: string; namespace: string; prefix: string }>> {
  const { secret, prefix, hash } = await mintKey("write-key");
  const id = crypto.randomUUID();
  await database(db).insert(sources).values({ id, namespaceId: namespace.id, name, writeKeyHash: hash, keyPrefix: prefix, createdAt: Date.now() });
  return { record: { id, name, namespace: namespace.name, prefix }, secret };
}

export async function createApiKey(
  db: D1Database,
  namespace: Namespace,
  name: string,
  scope: ApiKeyScope = "write",
): Promise<CreatedSecret<{ id: string; name: string; namespace: string; prefix: string; scope: ApiKeyScope }>> {
  const { secret, prefix, hash } = await mintKey("api-key");
  const id = crypto.randomUUID();
  await database(db).insert(apiKeys).values({ id, namespaceId: namespace.id, name, keyHash: hash, keyPrefix: prefix, scope, createdAt: Date.now() });
  return { record: { id, name, namespace: namespace.name, prefix, scope }, secret };
}

/**
 * The namespace a write key sends to. Cached per isolate, so a scoring change
 * reaches ingest calls within KEY_CACHE_MS; rescore jobs cover the meantime.
 */
export async function namespaceForWriteKey(db: D1Database, writeKey: string): Promise<IngestNamespace | null> {
  return lookupKey(namespaceByWriteKey, "write-key", writeKey, async () => {
    const now = Date.now();
    const row = await db
      .prepare(
        `SELECT n.id, n.name, ns.version AS scoringVersion, s.id AS sourceId,
                CASE WHEN s.write_key_hash = ?1 THEN NULL ELSE s.previous_expires_at END AS validUntil
         FROM sources s JOIN namespaces n ON n.id = s.namespace_id LEFT JOIN namespace_scoring ns ON ns.namespace_id = n.id
         WHERE ${keyMatch("write-key", "s")}`,
      )
      .bind(await sha256Hex(writeKey), now)
      .first<{ id: string; name: string; scoringVersion: number | null; sourceId: string; validUntil: number | null }>();
    if (!row) return null;
    await touchKey(db, "write-key", row.sourceId, now);
    return { id: row.id, name: row.name, scoringVersion: row.scoringVersion ?? 0, sourceId: row.sourceId, keyId: row.sourceId, loadedAt: now, validUntil: row.validUntil };
  });
}

export async function namespaceForApiKey(db: D1Database, key: string): Promise<(ApiKeyNamespace & KeyHit) | null> {
  return lookupKey(namespaceByApiKey, "api-key", key, async () => {
    const now = Date.now();
    const row = await db
      .prepare(
        `SELECT n.id, n.name, k.id AS apiKeyId, k.scope AS scope, CASE WHEN k.key_hash = ?1 THEN NULL ELSE k.previous_expires_at END AS validUntil
         FROM api_keys k JOIN namespaces n ON n.id = k.namespace_id WHERE ${keyMatch("api-key", "k")}`,
      )
      .bind(await sha256Hex(key), now)
      .first<{ id: string; name: string; apiKeyId: string; scope: ApiKeyScope; validUntil: number | null }>();
    if (!row) return null;
    await touchKey(db, "api-key", row.apiKeyId, now);
    return { ...row, keyId: row.apiKeyId, loadedAt: now };
  });
}

/** A namespace's sources with their rate limits and key listing (never their write keys). */
export async function listSources(db: D1Database, namespaceId: string): Promise<LimitedKeyListing[]> {
  const rows = await database(db)
    .select({ id: sources.id, rateLimit: sources.rateLimit })
    .from(sources)
    .where(eq(sources.namespaceId, namespaceId))
    .all();
  const limits = new Map(rows.map((r) => [r.id, readRateLimit(r.rateLimit)]));
  return (await listKeys(db, "write-key", namespaceId)).map((key) => ({ ...key, rateLimit: limits.get(key.id) ?? null }));
}

/**
 * Deletes a namespace that holds nothing; otherwise changes nothing and says
 * what it still holds (e.g. "2 sources, 14 leads").
 */
export async function deleteNamespace(db: D1Database, namespaceId: string): Promise<string | undefined> {
  const holdings: [string, string][] = [
    ["sources", "sources"],
    ["api_keys", "API keys"],
    ["webhook_sources", "webhook sources"],
    ["connected_accounts", "connected accounts"],
    ["destinations", "destinations"],
    ["automations", "automations"],
    ["scoring_rules", "scoring rules"],
    ["lead_projection", "leads"],
    ["orgs", "lead-service organisations"],
  ];
  const counts = await db.batch<{ n: number }>(
    holdings.map(([table]) => db.prepare(`SELECT count(*) AS n FROM ${table} WHERE namespace_id = ?`).bind(namespaceId)),
  );
  const held = holdings.map(([, label], i) => [counts[i]!.results[0]!.n, label] as const).filter(([n]) => n > 0);
  if (held.length > 0) return held.map(([n, label]) => `${n} ${label}`).join(", ");
  await db.batch([
    db.prepare("DELETE FROM namespace_keywords WHERE namespace_id = ?").bind(namespaceId),
    db.prepare("DELETE FROM namespace_route_acceptance WHERE namespace_id = ?1 OR source_namespace_id = ?1").bind(namespaceId),
    db.prepare("DELETE FROM namespace_scoring WHERE namespace_id = ?").bind(namespaceId),
    // The predictive score's settings, model and runs (src/db/prediction.ts): they hold no lead, so they do not keep a namespace.
    db.prepare("DELETE FROM prediction_example_pages WHERE run_id IN (SELECT id FROM prediction_runs WHERE namespace_id = ?)").bind(namespaceId),
    db.prepare("DELETE FROM prediction_runs WHERE namespace_id = ?").bind(namespaceId),
    db.prepare("DELETE FROM prediction_models WHERE namespace_id = ?").bind(namespaceId),
    db.prepare("DELETE FROM prediction_outcomes WHERE namespace_id = ?").bind(namespaceId),
    db.prepare("DELETE FROM namespaces WHERE id = ?").bind(namespaceId),
  ]);
  return undefined;
}

export async function findNamespaceById(db: D1Database, id: string): Promise<Namespace | undefined> {
  return database(db).select({ id: namespaces.id, name: namespaces.name }).from(namespaces).where(eq(namespaces.id, id)).get();
}

/** A namespace's API keys with their rate limits and key listing (never the keys). */
export async function listApiKeys(db: D1Database, namespaceId: string): Promise<LimitedKeyListing[]> {
  const rows = await database(db).select({ id: apiKeys.id, rateLimit: apiKeys.rateLimit }).from(apiKeys).where(eq(apiKeys.namespaceId, namespaceId)).all();
  const limits = new Map(rows.map((r) => [r.id, readRateLimit(r.rateLimit)]));
  return (await listKeys(db, "api-key", namespaceId)).map((key) => ({ ...key, rateLimit: limits.get(key.id) ?? null }));
}
