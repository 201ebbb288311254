import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

/** The one error shape: `{ "error": { "code", "message", "details"? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

/** Each failing field as a dot path; `prefix` names where a nested schema's input sat in the body. */
export function fieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined).join(".") || "(body)",
    message: issue.message,
  }));
}

export function validationError(error: z.ZodError, what = "request", prefix?: string): ApiError {
  const issues = fieldIssues(error, prefix);
  const fields = [...new Set(issues.map((i) => i.path))].join(", ");
  return new ApiError(400, "invalid_request", `invalid ${what}: ${fields}`, issues);
}

export function errorResponse(c: Context, error: ApiError): Response {
  const body: { code: string; message: string; details?: unknown } = { code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return c.json({ error: body }, error.status);
}
