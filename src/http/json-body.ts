import type { Context } from "hono";
import { readJsonBody } from "../ingest/body";
import { ApiError } from "./errors";

/** Management bodies (rules, destinations, settings…) are small: a destination with headers and a template fits easily. */
export const MAX_MANAGEMENT_BODY_BYTES = 64 * 1024;
/** Lead-service bodies: a /buffer/push of up to 1,000 leads with their data. */
export const MAX_LEAD_SERVICE_BODY_BYTES = 1024 * 1024;

/**
 * The JSON body of a management or lead-service call, read under a size cap
 * (413), a Content-Encoding it can decode (else 415) and the nesting limit
 * (400 naming the path). A missing, empty or malformed body reads as
 * undefined, so the route's schema names what is missing.
 */
export async function jsonBody(c: Context, maxBytes = MAX_MANAGEMENT_BODY_BYTES): Promise<unknown> {
  try {
    return (await readJsonBody(c.req.raw, maxBytes)).value;
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_json") return undefined;
    throw error;
  }
}
