import { Hono, type Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import type { IngestNamespace } from "../db/tenants";
import { parseOrThrow } from "../http/validate";
import { nestedTooDeep } from "../ingest/body";
import { MAX_NESTING_DEPTH, pathBeyondDepth } from "../ingest/nesting";
import { IMPORT_HISTORY_MS, LIVE_HISTORY_MS } from "../ingest/normalize";
import { ingestMessages, type IngestOutcome } from "../ingest/pipeline";
import { knownQuiet, publishLive } from "../live/publish";
import { eventNotice, rejectionNotice } from "../live/notices";
import { batchSchema, MAX_BATCH_MESSAGES, MAX_MESSAGE_BYTES, type MessageType } from "../schemas/segment";
import { settingsFor } from "../ingest/settings";

/** Segment's short paths (analytics.js posts to `/v1/<first letter>`) and the spec paths. */
const SINGLE_PATHS: ReadonlyArray<readonly [MessageType, string]> = [
  ["track", "t"],
  ["identify", "i"],
  ["page", "p"],
  ["screen", "s"],
  ["group", "g"],
  ["alias", "a"],
];
const BATCH_PATHS = ["batch", "b", "import"];

export const ingestRoutes = new Hono<AppEnv>();

for (const [type, short] of SINGLE_PATHS) {
  const handler = async (c: Context<AppEnv>) => {
    // Read (within the message limit) and the write key checked by the authorize step.
    const { value: body } = c.var.body;
    const namespace = c.var.source;
    if (!isObject(body)) throw new ApiError(400, "invalid_request", "the body must be a JSON object", [{ path: "(body)", message: "expected object" }]);
    // The body was read with the message limit, so its one message is within it.
    const outcome = await ingestMessages(c.env, namespace, [{ ...body, type }], {}, { sizesChecked: true, depthChecked: true });
    announce(c, namespace, outcome);
    if (outcome.unsaved.length > 0) throw notStored(outcome);
    const rejection = outcome.rejected[0];
    if (rejection) {
      const status = rejection.code === "message_too_large" ? 413 : 400;
      throw new ApiError(status, rejection.code, rejection.message, rejection.details);
    }
    return c.json({ success: true });
  };
  ingestRoutes.post(`/${type}`, handler);
  ingestRoutes.post(`/${short}`, handler);
}

for (const path of BATCH_PATHS) {
  ingestRoutes.post(`/${path}`, async (c) => {
    // Read by the authorize step with two levels above a message's own (the body holds the list, which holds the messages).
    const { value: body, bytes } = c.var.body;
    const namespace = c.var.source;
    const envelope = parseOrThrow(batchSchema, body, "batch");
    // The envelope's context and integrations are merged into each message's, one level down.
    for (const field of ["context", "integrations"] as const) {
      const tooDeep = pathBeyondDepth(envelope[field], MAX_NESTING_DEPTH - 1);
      if (tooDeep) throw nestedTooDeep([field, ...tooDeep], MAX_NESTING_DEPTH);
    }
    if (envelope.batch.length > MAX_BATCH_MESSAGES) {
      throw new ApiError(413, "payload_too_large", `a batch holds at most ${MAX_BATCH_MESSAGES} messages`, {
        messages: envelope.batch.length,
      });
    }
    const outcome = await ingestMessages(c.env, namespace, envelope.batch, envelope, {
      sizesChecked: bytes <= MAX_MESSAGE_BYTES,
      // The body was read with two levels above a message's own: each message is within MAX_NESTING_DEPTH.
      depthChecked: true,
      historyMs: path === "import" ? IMPORT_HISTORY_MS : LIVE_HISTORY_MS,
    });
    announce(c, namespace, outcome);
    if (outcome.unsaved.length > 0) throw notStored(outcome);
    if (outcome.rejected.length === 0) return c.json({ success: true });
    // Suppressed messages were valid: to the client they count as accepted.
    const accepted = outcome.accepted + outcome.suppressed;
    if (accepted === 0) {
      throw new ApiError(400, "invalid_batch", "no message in the batch was valid", { rejected: outcome.rejected });
    }
    return c.json({ success: false, accepted, rejected: outcome.rejected });
  });
}

// Named by its write key, which the authorize step checked (and counted against that source, like its events).
ingestRoutes.get("/projects/:writeKey/settings", (c) => c.json(settingsFor(c.req.param("writeKey"), new URL(c.req.url))));

/** Tells the live stream, after the answer: the ingest call never waits for it. */
function announce(c: Context<AppEnv>, namespace: IngestNamespace, outcome: IngestOutcome): void {
  if (knownQuiet(namespace.id)) return;
  const at = new Date().toISOString();
  c.executionCtx.waitUntil(
    publishLive(c.env, namespace.id, () => [
      ...outcome.stored.map(({ leadId, event }) => eventNotice(leadId, event, at)),
      ...outcome.rejected.map((rejection) => rejectionNotice(rejection, at)),
    ]),
  );
}

/**
 * Some leads could not store their events (a lead object failed): 503, so
 * clients retry, with which messages are durable and which to send again.
 * Every message has a messageId by now (a content hash when the client sent
 * none), so a retry of the whole call stores nothing twice.
 */
function notStored(outcome: IngestOutcome): ApiError {
  const { saved, unsaved, rejected } = outcome;
  return new ApiError(503, "partially_stored", `${unsaved.length} message(s) were not stored; send them again (the others are stored, and a repeat of them is deduplicated)`, {
    stored: saved,
    retry: unsaved,
    ...(rejected.length > 0 ? { rejected } : {}),
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
