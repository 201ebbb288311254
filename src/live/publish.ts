import type { LiveNotice } from "./notices";

/** How long a Worker isolate trusts "nobody listens" before asking the namespace's LiveObject again. */
export const QUIET_RECHECK_MS = 3_000;

/** Per isolate: namespace id → until when we know it has no listeners. */
const quietUntil = new Map<string, number>();

/**
 * Hands notices to the namespace's live stream. Best effort and never awaited
 * by an ingest answer (callers pass it to waitUntil): while the namespace is
 * known to have no listeners, nothing is built or sent.
 */
export async function publishLive(env: Env, namespaceId: string, notices: () => LiveNotice[]): Promise<void> {
  if (knownQuiet(namespaceId)) return;
  const batch = notices();
  if (batch.length === 0) return;
  try {
    const { listeners } = await env.LIVE.getByName(namespaceId).publish(batch);
    if (listeners > 0) quietUntil.delete(namespaceId);
    else {
      if (quietUntil.size >= 10_000) quietUntil.clear();
      quietUntil.set(namespaceId, Date.now() + QUIET_RECHECK_MS);
    }
  } catch (error) {
    console.error("live publish failed", error);
  }
}

/** Whether this isolate knows the namespace has no listener now (then there is nothing to publish). */
export function knownQuiet(namespaceId: string): boolean {
  return (quietUntil.get(namespaceId) ?? 0) > Date.now();
}

/** A listener connected through this isolate: publish again at once. */
export function listenerJoined(namespaceId: string): void {
  quietUntil.delete(namespaceId);
}

/** Called by the surviving lead object the first time a merged lead's events reached it. */
export function publishMerge(
  env: Env,
  namespaceId: string,
  survivorId: string,
  merged: { from: string; identities: ReadonlyArray<{ kind: string; value: string }> },
): Promise<void> {
  return publishLive(env, namespaceId, () => [
    {
      kind: "merge",
      at: new Date().toISOString(),
      leadId: survivorId,
      mergedLeadId: env.LEAD.idFromName(merged.from).toString(),
      identities: merged.identities.map(({ kind, value }) => ({ kind, value })),
    },
  ]);
}
