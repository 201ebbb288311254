import { Hono, type Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../../http/app-env";
import { ApiError, validationError } from "../../http/errors";
import { lemlistActivity, mapLemlistActivity } from "../lemlist";
import { mapSmartleadWebhook, smartleadWebhook } from "../smartlead";
import { ingestOutreach } from "../ingest";
import { MAX_NESTING_DEPTH, pathBeyondDepth } from "../../ingest/nesting";
import { nestedTooDeep } from "../../ingest/body";
import { isSkipped, type Mapped, type OutreachActivity } from "../types";

/**
 * Lemlist and Smartlead webhooks. The secret issued with the source is read
 * from `?token=`, `X-Leadflare-Secret`, `Authorization: Bearer`, or (as
 * Smartlead sends it) the body's `secret_key`. A wrong or missing secret is a
 * 401 and nothing is stored. The answer comes once the events are durable in
 * their leads; a re-delivered activity has the same key and counts once.
 */
export const webhookRoutes = new Hono<AppEnv>();

webhookRoutes.post("/lemlist/:sourceId", (c) => receive(c, (item) => parseItem(item, lemlistActivity, mapLemlistActivity)));
webhookRoutes.post("/smartlead/:sourceId", (c) => receive(c, (item) => parseItem(item, smartleadWebhook, mapSmartleadWebhook)));

async function receive(c: Context<AppEnv>, map: (item: unknown) => Mapped | z.ZodError): Promise<Response> {
  // Read, and the source's secret checked, by the authorize step.
  const { value: body } = c.var.body;
  const source = c.var.webhookSource;
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
