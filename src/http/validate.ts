import type { z } from "zod";
import { validationError } from "./errors";

/** Parses with a zod schema or throws a 400 ApiError naming each failing field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, what);
  return result.data;
}
