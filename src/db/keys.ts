import { newSecret, sha256Hex } from "../http/crypto";
import type { TtlCache } from "./ttl-cache";
import type { KeyListing } from "../contracts/key-listing";

/**
 * The four kinds of key a namespace hands out, and what listing, revoking and
 * rotating one of them touches. Every kind is stored as a SHA-256 hash; a
 * rotation keeps the old hash valid until `previous_expires_at` (the grace
 * period), so senders can switch over without dropping a request.
 */
export const KEY_KINDS = {
  "write-key": { table: "sources", hash: "write_key_hash", previousHash: "previous_write_key_hash", secretPrefix: "wk", prefixLength: 7 },
  "api-key": { table: "api_keys", hash: "key_hash", previousHash: "previous_key_hash", secretPrefix: "lf", prefixLength: 7 },
  "webhook-source": { table: "webhook_sources", hash: "secret_hash", previousHash: "previous_secret_hash", secretPrefix: "whs", prefixLength: 8 },
  org: { table: "orgs", hash: "key_hash", previousHash: "previous_key_hash", secretPrefix: "ls", prefixLength: 7 },
} as const;
export type KeyKind = keyof typeof KEY_KINDS;


/** A key's `last_used_at` is written at most this often per isolate (on a key-cache miss), never on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

interface KeyRow {
  id: string;
  name: string;
  key_prefix: string | null;
  created_at: number;
  last_used_at: number | null;
  previous_expires_at: number | null;
  scope?: "read" | "write";
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function describeKey(row: KeyRow, now = Date.now()): KeyListing {
  return {
    id: row.id,
    name: row.name,
    prefix: row.key_prefix,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    previousKeyValidUntil: row.previous_expires_at !== null && row.previous_expires_at > now ? iso(row.previous_expires_at) : null,
    ...(row.scope ? { scope: row.scope } : {}),
  };
}

/** Orgs have no name column: they are named by their org and app ids. */
function nameColumn(kind: KeyKind): string {
  return kind === "org" ? "clerk_org_id || ' / ' || app_id" : "name";
}

export async function listKeys(db: D1Database, kind: KeyKind, namespaceId: string): Promise<KeyListing[]> {
  const { table } = KEY_KINDS[kind];
  const { results } = await db
    .prepare(`SELECT id, ${nameColumn(kind)} AS name, key_prefix, created_at, last_used_at, previous_expires_at${kind === "api-key" ? ", scope" : ""} FROM ${table} WHERE namespace_id = ? ORDER BY created_at, id`)
    .bind(namespaceId)
    .all<KeyRow>();
  return results.map((row) => describeKey(row));
}

/** A fresh secret of the kind, with the prefix a listing shows and the hash stored. */
export async function mintKey(kind: KeyKind): Promise<{ secret: string; prefix: string; hash: string }> {
  const { secretPrefix, prefixLength } = KEY_KINDS[kind];
  const secret = newSecret(secretPrefix);
  return { secret, prefix: secret.slice(0, prefixLength), hash: await sha256Hex(secret) };
}

/**
 * Gives the key a new secret (returned once) and keeps the old one valid for
 * `graceSeconds`. A second rotation within the grace period ends the first
 * one's old key at once: at most two keys work at any time.
 */
export async function rotateKey(
  db: D1Database,
  kind: KeyKind,
  namespaceId: string,
  id: string,
  graceSeconds: number,
): Promise<{ secret: string; prefix: string; previousKeyValidUntil: string | null } | undefined> {
  const { table, hash, previousHash } = KEY_KINDS[kind];
  const minted = await mintKey(kind);
  const until = graceSeconds > 0 ? Date.now() + graceSeconds * 1000 : null;
  const row = await db
    .prepare(
      `UPDATE ${table} SET ${previousHash} = CASE WHEN ?1 IS NULL THEN NULL ELSE ${hash} END, previous_expires_at = ?1, ${hash} = ?2, key_prefix = ?3
       WHERE id = ?4 AND namespace_id = ?5 RETURNING id`,
    )
    .bind(until, minted.hash, minted.prefix, id, namespaceId)
    .first();
  if (!row) return undefined;
  forgetKey(kind, id);
  return { secret: minted.secret, prefix: minted.prefix, previousKeyValidUntil: iso(until) };
}

/** Deletes the key (an org with the buffer and cursors it owns); false when the namespace has no such key. */
export async function revokeKey(db: D1Database, kind: KeyKind, namespaceId: string, id: string): Promise<boolean> {
  const { table } = KEY_KINDS[kind];
  const owned = await db.prepare(`SELECT id FROM ${table} WHERE id = ? AND namespace_id = ?`).bind(id, namespaceId).first();
  if (!owned) return false;
  const statements = [db.prepare(`DELETE FROM ${table} WHERE id = ?`).bind(id)];
  if (kind === "org") {
    statements.unshift(
      db.prepare("DELETE FROM buffered_leads WHERE org_id = ?").bind(id),
      db.prepare("DELETE FROM buffer_cursors WHERE org_id = ?").bind(id),
      db.prepare("DELETE FROM org_enrichment_lookups WHERE org_id = ?").bind(id),
      db.prepare("DELETE FROM org_enrichment_stats WHERE org_id = ?").bind(id),
    );
  }
  await db.batch(statements);
  forgetKey(kind, id);
  return true;
}

/**
 * The SQL condition matching a presented key's hash (bound as ?1) against the
 * current key or a rotated-out one still in its grace period (now bound as ?2).
 */
export function keyMatch(kind: KeyKind, alias: string): string {
  const { hash, previousHash } = KEY_KINDS[kind];
  return `(${alias}.${hash} = ?1 OR (${alias}.${previousHash} = ?1 AND ${alias}.previous_expires_at > ?2))`;
}

const touchedAt = new Map<string, number>();

/** Records that the key was used, at most once per LAST_USED_RESOLUTION_MS (per isolate, and in D1). */
export async function touchKey(db: D1Database, kind: KeyKind, id: string, now = Date.now()): Promise<void> {
  const { table } = KEY_KINDS[kind];
  const name = `${kind}:${id}`;
  if ((touchedAt.get(name) ?? 0) > now - LAST_USED_RESOLUTION_MS) return;
  if (touchedAt.size >= 10_000) touchedAt.clear();
  touchedAt.set(name, now);
  await db
    .prepare(`UPDATE ${table} SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1 - ?3)`)
    .bind(now, id, LAST_USED_RESOLUTION_MS)
    .run();
}

/**
 * When this isolate last revoked or rotated each key: a cached lookup made
 * before that is not trusted again. Other isolates' caches drop a revoked key
 * within the key cache's minute.
 */
const changedAt = new Map<string, number>();

export function forgetKey(kind: KeyKind, id: string): void {
  if (changedAt.size >= 10_000) changedAt.clear();
  changedAt.set(`${kind}:${id}`, Date.now());
}

/** What a cached key lookup carries so it can be judged stale. */
export interface KeyHit {
  keyId: string;
  loadedAt: number;
  /** Set when the key presented is a rotated-out one: it stops working then. */
  validUntil: number | null;
}

/**
 * A key lookup through a per-isolate cache, reloaded when this isolate changed
 * the key after it was cached or when the old key's grace period ended.
 */
export async function lookupKey<V extends KeyHit>(cache: TtlCache<V | null>, kind: KeyKind, key: string, load: () => Promise<V | null>): Promise<V | null> {
  const hit = await cache.getOrLoad(key, load);
  if (!hit) return null;
  const changed = changedAt.get(`${kind}:${hit.keyId}`) ?? 0;
  if (hit.loadedAt > changed && (hit.validUntil === null || hit.validUntil > Date.now())) return hit;
  cache.forget(key);
  const fresh = await cache.getOrLoad(key, load);
  return fresh && (fresh.validUntil === null || fresh.validUntil > Date.now()) ? fresh : null;
}
