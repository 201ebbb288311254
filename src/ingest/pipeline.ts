import { MAX_MESSAGE_BYTES, messageSchema } from "../schemas/segment";
import { describePath, MAX_NESTING_DEPTH, pathBeyondDepth } from "./nesting";
import { fieldIssues, type FieldIssue } from "../http/errors";
import type { IngestNamespace } from "../db/tenants";
import { LIVE_HISTORY_MS, normalizeMessage, routingIdentity, timestampIssue, type BatchDefaults, type LeadEvent } from "./normalize";
import { leadObjectName } from "./lead-name";
import { hasDeliveryTargets } from "../db/delivery-targets";
import type { NamespaceState } from "./namespace-state";
import { countDroppedEvents, identityHash, suppressedHashes } from "../db/suppression";

export interface Rejection {
  index: number;
  code: "invalid_message" | "message_too_large";
  message: string;
  details?: FieldIssue[];
}

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  /** Valid, but naming an erased lead's identity: dropped and counted, still answered as a success. */
  suppressed: number;
  rejected: Rejection[];
  /** The events stored for the first time, with the lead each landed on. */
  stored: Array<{ leadId: string; event: LeadEvent }>;
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
  { sizesChecked = false, historyMs = LIVE_HISTORY_MS }: { sizesChecked?: boolean; historyMs?: number } = {},
): Promise<IngestOutcome> {
  const receivedAt = Date.now();
  const rejected: Rejection[] = [];
  const byLead = new Map<string, LeadEvent[]>();
  const suppressed = await suppressedHashes(env.DB, namespace.id);
  const droppedByHash = new Map<string, number>();

  for (const [index, item] of items.entries()) {
    // Before anything writes the message out: a deep one would overflow the stack there.
    const tooDeep = pathBeyondDepth(item, MAX_NESTING_DEPTH);
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
    const event = normalizeMessage(parsed.data, defaults, receivedAt, () => crypto.randomUUID());
    const hit = suppressed.size > 0 ? await suppressedIdentityOf(namespace.id, event, suppressed) : undefined;
    if (hit) {
      droppedByHash.set(hit, (droppedByHash.get(hit) ?? 0) + 1);
      continue;
    }
    const route = routingIdentity(parsed.data);
    const name = leadObjectName(namespace.id, route.kind, route.value);
    const events = byLead.get(name);
    if (events) events.push(event);
    else byLead.set(name, [event]);
  }

  const groups = [...byLead];
  const state: NamespaceState = { scoringVersion: namespace.scoringVersion, deliveries: groups.length > 0 && (await hasDeliveryTargets(env.DB, namespace.id)) };
  const [results] = await Promise.all([
    Promise.all(groups.map(([name, events]) => env.LEAD.getByName(name).ingest(namespace.id, name, events, state))),
    ...[...droppedByHash].map(([hash, n]) => countDroppedEvents(env.DB, namespace.id, hash, n)),
  ]);
  return {
    accepted: results.reduce((n, r) => n + r.accepted + r.duplicates + r.expired, 0),
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
    suppressed: [...droppedByHash.values()].reduce((a, b) => a + b, 0) + results.reduce((n, r) => n + r.suppressed, 0),
    rejected,
    stored: results.flatMap((result, i) => {
      const fresh = new Set(result.newMessageIds);
      // A messageId repeated inside the batch was stored once: the first copy stands for it.
      return groups[i]![1].filter((event) => fresh.delete(event.messageId)).map((event) => ({ leadId: result.leadId, event }));
    }),
  };
}

/** The hash of the first of the event's identities that is suppressed, if any. */
async function suppressedIdentityOf(namespaceId: string, event: LeadEvent, suppressed: ReadonlySet<string>): Promise<string | undefined> {
  for (const identity of event.identities) {
    const hash = await identityHash(namespaceId, identity);
    if (suppressed.has(hash)) return hash;
  }
  return undefined;
}
