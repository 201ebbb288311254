import { Hono, type Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../http/app-env";
import { ApiError, validationError } from "../http/errors";
import { secretsEqual, sha256Hex } from "../http/crypto";
import { findWebhookSource, type WebhookSource } from "../db/outreach";
import { lemlistActivity, mapLemlistActivity } from "../sources/lemlist";
import { mapSmartleadWebhook, smartleadWebhook } from "../sources/smartlead";
import { ingestOutreach } from "../sources/ingest";
import { MAX_NESTING_DEPTH, pathBeyondDepth } from "../ingest/nesting";
import { nestedTooDeep } from "../ingest/body";
import { touchKey } from "../db/keys";
import { enforceRateLimit } from "../http/rate-limit";
import { isSkipped, type Mapped, type OutreachActivity, type Platform } from "../sources/types";

/**
 * Lemlist and Smartlead webhooks. The secret issued with the source is read
 * from `?token=`, `X-Leadflare-Secret`, `Authorization: Bearer`, or (as
 * Smartlead sends it) the body's `secret_key`. A wrong or missing secret is a
 * 401 and nothing is stored. The answer comes once the events are durable in
 * their leads; a re-delivered activity has the same key and counts once.
 */
export const webhookRoutes = new Hono<AppEnv>();

const MAX_BODY_BYTES = 1024 * 1024;

webhookRoutes.post("/lemlist/:sourceId", (c) => receive(c, "lemlist", (item) => parseItem(item, lemlistActivity, mapLemlistActivity)));
webhookRoutes.post("/smartlead/:sourceId", (c) => receive(c, "smartlead", (item) => parseItem(item, smartleadWebhook, mapSmartleadWebhook)));

async function receive(c: Context<AppEnv>, platform: Platform, map: (item: unknown) => Mapped | z.ZodError): Promise<Response> {
  const raw = await c.req.text();
  if (raw.length > MAX_BODY_BYTES) throw new ApiError(413, "payload_too_large", `a webhook body may hold at most ${MAX_BODY_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = undefined;
  }
  const source = await authenticate(c, platform, body);
  if (body === undefined || body === null || typeof body !== "object") {
    throw new ApiError(400, "invalid_request", "the body must be a JSON object (or a list of them)", [{ path: "(body)", message: "expected a JSON object" }]);
  }
  // A list of items nests one level more than one item.
  const tooDeep = pathBeyondDepth(body, MAX_NESTING_DEPTH + (Array.isArray(body) ? 1 : 0));
  if (tooDeep) throw nestedTooDeep(tooDeep, MAX_NESTING_DEPTH);
  const items = Array.isArray(body) ? body : [body];
  const activities: OutreachActivity[] = [];
  const skipped: string[] = [];
  for (const [index, item] of items.entries()) {
    const mapped = map(item);
    if (mapped instanceof Error) throw validationError(mapped, "webhook body", Array.isArray(body) ? String(index) : undefined);
    if (isSkipped(mapped)) skipped.push(mapped.skipped);
    else activities.push(mapped);
  }
  const outcome = await ingestOutreach(c.env, source.namespaceId, activities);
  return c.json({ accepted: outcome.accepted, duplicates: outcome.duplicates, skipped });
}

function parseItem<S extends z.ZodType>(item: unknown, schema: S, map: (parsed: z.output<S>) => Mapped): Mapped | z.ZodError {
  const parsed = schema.safeParse(item);
  return parsed.success ? map(parsed.data) : parsed.error;
}

async function authenticate(c: Context<AppEnv>, platform: Platform, body: unknown): Promise<WebhookSource> {
  const bearer = c.req.header("Authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const inBody = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>).secret_key : undefined;
  const given = c.req.query("token") ?? c.req.header("X-Leadflare-Secret") ?? bearer ?? (typeof inBody === "string" ? inBody : undefined);
  const sourceId = c.req.param("sourceId") ?? "";
  const source = /^[0-9a-f-]{36}$/.test(sourceId) ? await findWebhookSource(c.env.DB, sourceId, platform) : undefined;
  // The hash is compared even for an unknown source, so timing tells nothing about which sources exist.
  const givenHash = await sha256Hex(given ?? "");
  const current = secretsEqual(givenHash, source?.secretHash ?? "0".repeat(64));
  // After a rotation the previous secret works until its grace period ends.
  const previous = secretsEqual(givenHash, source?.previousSecretHash ?? "0".repeat(64));
  const ok = (current || previous) && given !== undefined && source !== undefined;
  if (!ok) throw new ApiError(401, "unauthorized", `unknown ${platform} source or wrong secret (send it as ?token=, X-Leadflare-Secret or Bearer)`);
  await touchKey(c.env.DB, "webhook-source", source.id);
  await enforceRateLimit(c, { kind: "webhook-source", id: source.id });
  return source;
}
