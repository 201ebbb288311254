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

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

export function validationError(error: z.ZodError, what = "request"): ApiError {
  const issues = fieldIssues(error);
  const fields = [...new Set(issues.map((i) => i.path))].join(", ");
  return new ApiError(400, "invalid_request", `invalid ${what}: ${fields}`, issues);
}

export function errorResponse(c: Context, error: ApiError): Response {
  const body: { code: string; message: string; details?: unknown } = { code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return c.json({ error: body }, error.status);
}
