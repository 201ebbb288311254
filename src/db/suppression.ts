import { database } from "./database";
import { and, eq, sql } from "drizzle-orm";
import { suppressedIdentities } from "./schema";
import { TtlCache } from "./ttl-cache";
import { sha256Hex } from "../http/crypto";
import { leadObjectName } from "../ingest/lead-name";
import type { Identity } from "../ingest/normalize";

// Read on every ingest call, so cached per isolate like the keys. An isolate
// other than the one that erased may let an event naming an erased email
// through for up to this long; userIds and anonymousIds are stopped at once
// by the erased lead objects themselves.
const SUPPRESSION_CACHE_MS = 60_000;
const suppressedByNamespace = new TtlCache<ReadonlySet<string>>(SUPPRESSION_CACHE_MS);

/** An identity as stored in the suppression list: the SHA-256 of its lead object name, never the value. */
export function identityHash(namespaceId: string, identity: Identity): Promise<string> {
  return sha256Hex(leadObjectName(namespaceId, identity.kind, identity.value));
}

/** The namespace's suppressed identity hashes (usually none, then ingest hashes nothing). */
export function suppressedHashes(db: D1Database, namespaceId: string): Promise<ReadonlySet<string>> {
  return suppressedByNamespace.getOrLoad(namespaceId, async () => {
    const rows = await database(db)
      .select({ hash: suppressedIdentities.identityHash })
      .from(suppressedIdentities)
      .where(eq(suppressedIdentities.namespaceId, namespaceId))
      .all();
    return new Set(rows.map((r) => r.hash));
  });
}

/** This isolate reads the list again on its next ingest call (after an erasure). */
export function forgetSuppressedHashes(namespaceId: string): void {
  suppressedByNamespace.forget(namespaceId);
}

/** Counts events dropped for a suppressed identity (its hash) in the namespace. */
export async function countDroppedEvents(db: D1Database, namespaceId: string, hash: string, events: number): Promise<void> {
  await database(db)
    .update(suppressedIdentities)
    .set({ droppedEvents: sql`${suppressedIdentities.droppedEvents} + ${events}` })
    .where(and(eq(suppressedIdentities.namespaceId, namespaceId), eq(suppressedIdentities.identityHash, hash)));
}

/** Counts events an erased lead object dropped; `leadName` is its name, so its hash is the identity's. */
export async function countSuppressed(db: D1Database, namespaceId: string, leadName: string, events: number): Promise<void> {
  await countDroppedEvents(db, namespaceId, await sha256Hex(leadName), events);
}

export async function suppressionStats(db: D1Database, namespaceId: string) {
  const row = await database(db)
    .select({ identities: sql<number>`count(*)`, droppedEvents: sql<number>`coalesce(sum(${suppressedIdentities.droppedEvents}), 0)` })
    .from(suppressedIdentities)
    .where(eq(suppressedIdentities.namespaceId, namespaceId))
    .get();
  return { identities: row?.identities ?? 0, droppedEvents: row?.droppedEvents ?? 0 };
}
