/**
 * The seed's ids are UUIDs; the core's are the email (enrichment cache) and
 * an integer row id (buffer). Each is shown as a name-based UUID (RFC 9562
 * version 5) of what it identifies: stable across calls, and one per entry.
 */

/** A fixed namespace for these names (itself a random UUID, chosen once). */
const NAMESPACE = "6f1c0a3e-5d0b-4a8e-9b61-2c7f3e9d4a10";

export async function nameUuid(name: string): Promise<string> {
  const space = NAMESPACE.replace(/-/g, "").match(/../g)!.map((h) => parseInt(h, 16));
  const input = new Uint8Array([...space, ...new TextEncoder().encode(name)]);
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-1", input)).slice(0, 16);
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The enrichment cache's entry for an email (one global entry per email). */
export const enrichmentId = (email: string) => nameUuid(`enrichment:${email}`);

/** A buffered or served lead: its row in the organisation's buffer. */
export const bufferedLeadId = (orgId: string, rowId: number | string) => nameUuid(`buffer:${orgId}:${rowId}`);
