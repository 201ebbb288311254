import { MAX_MESSAGE_BYTES, messageSchema, type SegmentMessage } from "../schemas/segment";
import { sha256Hex } from "../http/crypto";
import type { IngestResult } from "../contracts/lead-rpc";
import { describePath, MAX_NESTING_DEPTH, pathBeyondDepth } from "./nesting";
import { fieldIssues } from "../http/errors";
import type { Rejection } from "./rejection";
import type { IngestNamespace } from "../db/tenants";
import { arrivalOrder, LIVE_HISTORY_MS, normalizeMessage, routingIdentity, timestampIssue, type BatchDefaults, type LeadEvent } from "./normalize";
import { leadObjectName } from "./lead-name";
import { EventsByLead, ingestByLead } from "./door";
import { countDroppedEvents, identityHash, suppressedHashes } from "../db/suppression";

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  /** Valid, but naming an erased lead's identity: dropped and counted, still answered as a success. */
  suppressed: number;
  rejected: Rejection[];
  /** The events stored for the first time, with the lead each landed on. */
  stored: Array<{ leadId: string; event: LeadEvent }>;
  /** Valid messages whose lead object failed: nothing of them is stored; the same call again is safe (same messageIds). */
  unsaved: MessageRef[];
  /** Valid messages that are durable (new or already held), when some others are unsaved. */
  saved: MessageRef[];
}

export interface MessageRef {
  index: number;
  messageId: string;
}

const encoder = new TextEncoder();

/**
 * Validates and normalises each message, then hands each lead its events in
 * one RPC. Returns once every accepted event is durable in its lead object.
 */
export async function ingestMessages(
  env: Env,
  namespace: IngestNamespace,
  items: unknown[],
  defaults: BatchDefaults,
  {
    sizesChecked = false,
    depthChecked = false,
    historyMs = LIVE_HISTORY_MS,
  }: {
    /** Every message is known to be within MAX_MESSAGE_BYTES (the whole body was). */
    sizesChecked?: boolean;
    /** Every message is known to nest at most MAX_NESTING_DEPTH levels (readJsonBody checked the body). */
    depthChecked?: boolean;
    historyMs?: number;
  } = {},
): Promise<IngestOutcome> {
  const receivedAt = Date.now();
  const rejected: Rejection[] = [];
  const byLead = new EventsByLead();
  const suppressed = await suppressedHashes(env.DB, namespace.id);
  const droppedByHash = new Map<string, number>();

  for (const [index, item] of items.entries()) {
    // Before anything writes the message out: a deep one would overflow the stack there.
    const tooDeep = depthChecked ? undefined : pathBeyondDepth(item, MAX_NESTING_DEPTH);
    if (tooDeep) {
      const message = `nested deeper than ${MAX_NESTING_DEPTH} levels of objects and arrays`;
      rejected.push({ index, code: "invalid_message", message: `invalid message: ${describePath(tooDeep)} is ${message}`, details: [{ path: tooDeep.join("."), message }] });
      continue;
    }
    if (!sizesChecked && encoder.encode(JSON.stringify(item) ?? "").byteLength > MAX_MESSAGE_BYTES) {
      rejected.push({ index, code: "message_too_large", message: `message is over ${MAX_MESSAGE_BYTES} bytes` });
      continue;
    }
    const parsed = messageSchema.safeParse(item);
    if (!parsed.success) {
      const details = fieldIssues(parsed.error);
      const fields = [...new Set(details.map((d) => d.path))].join(", ");
      rejected.push({ index, code: "invalid_message", message: `invalid message: ${fields}`, details });
      continue;
    }
    const tooOld = timestampIssue(parsed.data, defaults, receivedAt, historyMs);
    if (tooOld) {
      rejected.push({ index, code: "invalid_message", message: `invalid message: ${tooOld.path}`, details: [tooOld] });
      continue;
    }
    const messageId = parsed.data.messageId ?? (await contentMessageId(parsed.data, `${receivedAt}:${index}`));
    const event = { ...normalizeMessage(parsed.data, defaults, receivedAt, () => messageId), order: arrivalOrder(receivedAt, index, messageId) };
    const hit = suppressed.size > 0 ? await suppressedIdentityOf(namespace.id, event, suppressed) : undefined;
    if (hit) {
      droppedByHash.set(hit, (droppedByHash.get(hit) ?? 0) + 1);
      continue;
    }
    const route = routingIdentity(parsed.data);
    const name = leadObjectName(namespace.id, route.kind, route.value);
    byLead.add(namespace.id, name, event, index);
  }

  // Each lead stands alone: one that fails leaves the others' events stored, and the answer says which are which.
  const [settled] = await Promise.all([
    ingestByLead(env, byLead, new Map([[namespace.id, namespace.scoringVersion]])),
    ...[...droppedByHash].map(([hash, n]) => countDroppedEvents(env.DB, namespace.id, hash, n)),
  ]);
  const results: IngestResult[] = [];
  const saved: MessageRef[] = [];
  const unsaved: MessageRef[] = [];
  const stored: IngestOutcome["stored"] = [];
  settled.forEach(({ group: { events, indices }, outcome }) => {
    const refs = events.map((event, j) => ({ index: indices[j]!, messageId: event.messageId }));
    if (outcome.status === "rejected") {
      console.error("a lead object failed to take its events; the caller is told to retry them", outcome.reason);
      unsaved.push(...refs);
      return;
    }
    results.push(outcome.value);
    saved.push(...refs);
    const fresh = new Set(outcome.value.newMessageIds);
    // A messageId repeated inside the batch was stored once: the first copy stands for it.
    for (const event of events) if (fresh.delete(event.messageId)) stored.push({ leadId: outcome.value.leadId, event });
  });
  const byIndex = (a: MessageRef, b: MessageRef) => a.index - b.index;
  return {
    accepted: results.reduce((n, r) => n + r.accepted + r.duplicates + r.expired, 0),
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
    suppressed: [...droppedByHash.values()].reduce((a, b) => a + b, 0) + results.reduce((n, r) => n + r.suppressed, 0),
    rejected,
    stored,
    unsaved: unsaved.sort(byIndex),
    saved: unsaved.length > 0 ? saved.sort(byIndex) : [],
  };
}

/**
 * The messageId of a message sent without one: a hash of its content and
 * its timestamp, so a client that retries the same call (without ids) has it
 * stored once. A message with no timestamp either is told apart by its
 * arrival (time and place in the batch) instead: two identical calls are two events.
 */
async function contentMessageId(msg: SegmentMessage, arrival: string): Promise<string> {
  const { sentAt: _sentAt, ...content } = msg;
  const time = msg.timestamp ?? msg.originalTimestamp ?? `received:${arrival}`;
  return `h-${(await sha256Hex(`${JSON.stringify(content)}\n${String(time)}`)).slice(0, 40)}`;
}

/** The hash of the first of the event's identities that is suppressed, if any. */
async function suppressedIdentityOf(namespaceId: string, event: LeadEvent, suppressed: ReadonlySet<string>): Promise<string | undefined> {
  for (const identity of event.identities) {
    const hash = await identityHash(namespaceId, identity);
    if (suppressed.has(hash)) return hash;
  }
  return undefined;
}
