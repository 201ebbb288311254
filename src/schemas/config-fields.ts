import { z } from "zod";

/**
 * Fields of a tenant's outbound config (destinations, automations), checked
 * when the config is saved: anything that would make a request fail to build
 * at send time (a header name or value fetch refuses, a key btoa cannot
 * encode) is a 400 naming the field, never a throw in the delivery consumer.
 */

/** RFC 9110 token characters: what a header name may hold. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII, spaces and tabs: no CR, LF or NUL, nothing fetch would refuse or split. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
export const MAX_CUSTOM_HEADERS = 20;
const MAX_HEADER_NAME = 100;
const MAX_HEADER_VALUE = 4096;
/** Headers leadflare sets itself, or that only the runtime may set. */
const RESERVED_HEADERS = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "host",
  "connection",
  "idempotency-key",
  "x-leadflare-signature",
]);

/** Extra request headers: valid names, single-line values, none that leadflare sets itself. */
export const headerMap = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  const entries = Object.entries(headers);
  if (entries.length > MAX_CUSTOM_HEADERS) ctx.addIssue({ code: "custom", message: `at most ${MAX_CUSTOM_HEADERS} headers` });
  for (const [name, value] of entries) {
    if (name.length > MAX_HEADER_NAME || !HEADER_NAME.test(name)) {
      ctx.addIssue({ code: "custom", path: [name], message: `is not a header name: 1 to ${MAX_HEADER_NAME} letters, digits or !#$%&'*+-.^_\`|~` });
    } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
      ctx.addIssue({ code: "custom", path: [name], message: "is set by leadflare and cannot be overridden" });
    }
    if (value.length > MAX_HEADER_VALUE || !HEADER_VALUE.test(value)) {
      ctx.addIssue({ code: "custom", path: [name], message: `header value must be at most ${MAX_HEADER_VALUE} visible ASCII characters, spaces or tabs (no line breaks)` });
    }
  }
});

/** A key or token sent in a header (Bearer, Basic): visible ASCII without spaces, as every provider issues them. */
export const headerSecret = z
  .string()
  .min(1)
  .max(1000)
  .regex(/^[\x21-\x7e]*$/, "must be visible ASCII characters without spaces");

/** An outbound URL: http(s), of a sane length. Where it may point is the outbound guard's business. */
export const outboundUrl = z.url({ protocol: /^https?$/ }).max(2048);

/** A short free-text field of a config (a channel, an event name). */
export const configText = (max: number) => z.string().min(1).max(max);
