/**
 * Canonical form of an event name, so `Email Opened`, `email-opened` and
 * `EMAIL_OPENED` are one event: lower case, runs of anything that is not a
 * letter or digit become one underscore.
 */
export function canonicalEventName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "_")
    .replace(/^_+|_+$/g, "");
}
