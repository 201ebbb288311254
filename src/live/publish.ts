import type { LiveNotice } from "./notices";

/** How long a Worker isolate trusts "nobody listens" before asking the namespace's LiveObject again. */
export const QUIET_RECHECK_MS = 3_000;

/** Per isolate: namespace id → until when we know it has no listeners. */
const quietUntil = new Map<string, number>();

/**
 * How long an isolate gathers a namespace's notices before it sends them in
 * one call: the namespace's single LiveObject then gets at most
 * 1000 / COALESCE_MS calls a second from each isolate, not one per ingest
 * request (docs/capacity.md). Listeners see events this much later.
 */
export const COALESCE_MS = 100;
/** Notices one call carries at most; a flood beyond that within COALESCE_MS goes in further calls. */
export const MAX_NOTICES_PER_CALL = 2_000;

/** Per isolate: namespace id → the notices waiting for the call already scheduled. */
const pending = new Map<string, LiveNotice[]>();

/**
 * Hands notices to the namespace's live stream. Best effort and never awaited
 * by an ingest answer (callers pass it to waitUntil): while the namespace is
 * known to have no listeners, nothing is built or sent. The first caller in
 * a COALESCE_MS window sends everything gathered in it, its own notices first;
 * a window that fills up (MAX_NOTICES_PER_CALL) is closed and the rest opens
 * the next one, so a burst of batches costs a call per that many notices
 * and loses none.
 */
export async function publishLive(env: Env, namespaceId: string, notices: () => LiveNotice[]): Promise<void> {
  if (knownQuiet(namespaceId)) return;
  const batch = notices();
  if (batch.length > 0) await gather(env, namespaceId, batch);
}

async function gather(env: Env, namespaceId: string, batch: LiveNotice[]): Promise<void> {
  const waiting = pending.get(namespaceId);
  if (waiting) {
    const room = MAX_NOTICES_PER_CALL - waiting.length;
    waiting.push(...batch.slice(0, room));
    if (waiting.length >= MAX_NOTICES_PER_CALL) pending.delete(namespaceId);
    if (batch.length > room) await gather(env, namespaceId, batch.slice(room));
    return;
  }
  const gathered = batch.slice(0, MAX_NOTICES_PER_CALL);
  const rest = batch.slice(MAX_NOTICES_PER_CALL);
  if (gathered.length < MAX_NOTICES_PER_CALL) pending.set(namespaceId, gathered);
  await Promise.all([send(env, namespaceId, gathered), rest.length > 0 ? gather(env, namespaceId, rest) : undefined]);
}

async function send(env: Env, namespaceId: string, gathered: LiveNotice[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
  if (pending.get(namespaceId) === gathered) pending.delete(namespaceId);
  try {
    const { listeners } = await env.LIVE.getByName(namespaceId).publish(gathered);
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
