import { z } from "zod";
import { UNSAFE_SEGMENTS, unsafeSegment } from "../paths/field-path";

const UNSAFE_LIST = [...UNSAFE_SEGMENTS].join(", ");

/** Refuses a path with a segment that leads to a prototype (see src/paths/field-path.ts), naming the segment. */
export function safeFieldPath<S extends z.ZodType<string>>(path: S) {
  return path.superRefine((value, ctx) => {
    const segment = unsafeSegment(value);
    if (segment !== undefined) ctx.addIssue({ code: "custom", message: `must not hold the segment "${segment}" (${UNSAFE_LIST} are refused)` });
  });
}

/** A dot path into an event or lead a tenant names, e.g. `properties.plan`. */
export const dotPath = safeFieldPath(
  z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, "must be a dot path like properties.plan"),
);

/**
 * Dot path → dot path (a destination's renames). The keys are checked on the
 * body as sent, before the record is built: a record would drop a `__proto__`
 * key silently instead of refusing it.
 */
export const dotPathMap = z
  .unknown()
  .superRefine((raw, ctx) => {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return;
    const keys = Object.keys(raw);
    if (keys.length > 100) ctx.addIssue({ code: "custom", message: "at most 100 mappings" });
    for (const from of keys) {
      for (const issue of dotPath.safeParse(from).error?.issues ?? []) ctx.addIssue({ code: "custom", path: [from], message: `key ${issue.message}` });
    }
  })
  .pipe(z.record(z.string(), dotPath));
