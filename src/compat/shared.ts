/**
 * What every seed adapter shares: the seeds' error shapes, body reading, and a hand-off to the core's ingest pipeline.
 * Who may call each seed route is declared in src/http/policy.ts, like every other route.
 */
import type { Context, ErrorHandler } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../http/app-env";
import { ApiError, validationError } from "../http/errors";
import type { IngestNamespace, Namespace } from "../db/tenants";
import { scoringVersion } from "../db/scoring";
import { readJsonBody } from "../ingest/body";
import { ingestMessages, type IngestOutcome } from "../ingest/pipeline";

/** The seeds' error answers: leadflare's one shape, with Cairo's `success: false` beside it. */
export function seedErrors(flavour: "plain" | "success-flag"): ErrorHandler<AppEnv> {
  return (error, c) => {
    const known =
      error instanceof ApiError ? error : new ApiError(500, "internal_error", "something went wrong on our side; retry the call");
    if (!(error instanceof ApiError)) console.error("unhandled error in a compat route", error);
    const body: { code: string; message: string; details?: unknown } = { code: known.code, message: known.message };
    if (known.details !== undefined) body.details = known.details;
    return c.json(flavour === "success-flag" ? { success: false, error: body } : { error: body }, known.status);
  };
}

export const COMPAT_MAX_BODY_BYTES = 500 * 1024;

/** The JSON body whatever its Content-Type (the seeds' curl examples often send none), checked by `schema`. */
export async function seedBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S, maxBytes = COMPAT_MAX_BODY_BYTES): Promise<z.output<S>> {
  const { value } = await readJsonBody(c.req.raw, maxBytes);
  return parseSeed(schema, value);
}

/** Like seedBody, for routes whose seed examples often send no body at all (`curl -X POST …/start`): none reads as `{}`. */
export async function optionalSeedBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const raw = await c.req.raw.clone().arrayBuffer();
  if (raw.byteLength === 0) return parseSeed(schema, {});
  return seedBody(c, schema, COMPAT_MAX_BODY_BYTES);
}

export function parseSeed<S extends z.ZodType>(schema: S, input: unknown, what?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, what);
  return result.data;
}

/** Hands Segment messages to the core pipeline for the caller's namespace, as an API-key caller. */
export async function ingestForNamespace(c: Context<AppEnv>, messages: unknown[], target: Namespace = c.var.namespace): Promise<IngestOutcome> {
  const namespace: IngestNamespace = {
    ...target,
    scoringVersion: await scoringVersion(c.env.DB, target.id),
    // The pipeline itself does not read it: rate limits were taken by the auth middleware.
    sourceId: c.var.apiKeyId ?? "compat",
  };
  return ingestMessages(c.env, namespace, messages, {});
}

/** A pipeline rejection of one of the adapter's own messages, as a 4xx naming the seed's field. */
export function rejectionError(outcome: IngestOutcome, fieldOf: (index: number) => string): ApiError | undefined {
  const first = outcome.rejected[0];
  if (!first) return undefined;
  const status = first.code === "message_too_large" ? 413 : 400;
  return new ApiError(status, first.code, `${fieldOf(first.index)}: ${first.message}`, outcome.rejected.map((r) => ({ path: fieldOf(r.index), message: r.message })));
}
