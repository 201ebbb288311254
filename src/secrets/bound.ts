import type { z } from "zod";
import { ApiError, fieldIssues, validationError, type FieldIssue } from "../http/errors";
import { isHintOf, keepSecrets } from "./write-only";

/**
 * Secrets are bound to where they go. An update keeps the stored secrets it
 * leaves out or sends as their hint (see write-only.ts) only while every
 * binding field (a URL, host, region, account…) is unchanged. When one
 * changed, no stored secret is kept: each must be sent again, a required one
 * left out is a 400 naming it, and a hint sent back is a 400 too (it would
 * carry the old credential to the new place). An optional one left out is
 * dropped.
 */
export interface BoundUpdate<T> {
  /** The config or action as sent. */
  sent: Record<string, unknown>;
  /** The stored one of the same type; undefined on a create or a change of type. */
  stored: Record<string, unknown> | undefined;
  schema: z.ZodType<T>;
  secretFields: readonly string[];
  bindingFields: readonly string[];
  /** Where `sent` sits in the body (`config`, `action`), for the fields the errors name. */
  prefix: string;
}

export function bindSecrets<T>({ sent, stored, schema, secretFields, bindingFields, prefix }: BoundUpdate<T>): T {
  const kept = schema.safeParse(keepSecrets(sent, stored, secretFields));
  if (!kept.success) throw validationError(kept.error, "request", prefix);
  if (!stored) return kept.data;
  const values = kept.data as Record<string, unknown>;
  // The stored config with today's defaults, so a field added since it was saved does not read as moved.
  const before = schema.safeParse(stored);
  const was = (before.success ? before.data : stored) as Record<string, unknown>;
  const moved = bindingFields.filter((field) => JSON.stringify(values[field] ?? null) !== JSON.stringify(was[field] ?? null));
  if (moved.length === 0) return kept.data;

  const because = `${moved.map((field) => `${prefix}.${field}`).join(", ")} changed`;
  const hinted = hintedSecrets(sent, stored, secretFields);
  if (hinted.length > 0) {
    throw invalid(hinted.map((path) => ({ path: `${prefix}.${path}`, message: `is the hint of a secret kept for the old place; ${because}: send the secret again, or null to remove it` })));
  }
  const fresh = schema.safeParse(keepSecrets(sent, undefined, secretFields));
  if (fresh.success) return fresh.data;
  const issues = fieldIssues(fresh.error, prefix).map((issue, i) => {
    const field = fresh.error.issues[i]!.path[0];
    const wasStored = typeof field === "string" && secretFields.includes(field) && stored[field] !== undefined && sent[field] === undefined;
    return wasStored ? { path: issue.path, message: `must be sent again: ${because}` } : issue;
  });
  throw invalid(issues);
}

/** Secret fields (or, in a record of secrets, `field.name`) that `sent` holds as the hint of the stored value. */
function hintedSecrets(sent: Record<string, unknown>, stored: Record<string, unknown>, secretFields: readonly string[]): string[] {
  const paths: string[] = [];
  for (const field of secretFields) {
    const value = sent[field];
    const old = stored[field];
    if (typeof value === "string" && isHintOf(value, old)) paths.push(field);
    if (value !== null && typeof value === "object" && old !== null && typeof old === "object") {
      for (const [name, v] of Object.entries(value)) if (isHintOf(v, (old as Record<string, unknown>)[name])) paths.push(`${field}.${name}`);
    }
  }
  return paths;
}

function invalid(issues: FieldIssue[]): ApiError {
  const fields = [...new Set(issues.map((i) => i.path))].join(", ");
  return new ApiError(400, "invalid_request", `invalid request: ${fields}`, issues);
}
