import { z } from "zod";

/**
 * A URL query's schema. A parameter given empty (`?stage=&minScore=`, as an
 * HTML form or a copied URL sends an unused filter) means "not set": it is
 * dropped before parsing, so it takes its default and never fails validation.
 * A repeated parameter (`?event=a&event=`) keeps its non-empty values.
 */
export function queryObject<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.preprocess(withoutEmpty, z.object(shape));
}

export function withoutEmpty(input: unknown): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const kept: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(input)) {
    if (value === "") continue;
    if (Array.isArray(value)) {
      const values = value.filter((v) => v !== "");
      if (values.length > 0) kept[key] = values;
      continue;
    }
    kept[key] = value;
  }
  return kept;
}
