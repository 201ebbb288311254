/**
 * Secrets are write-only in the API: an answer shows a hint (the last four
 * characters of a long enough secret), and an update that sends the hint back,
 * or leaves the field out, keeps the stored value. `null` removes an optional
 * secret. A secret field holds a string, or a record of strings (header
 * values), each value a secret of its own.
 */

/** What the API shows of a secret; the old marker "[secret]" is still understood when sent back. */
export function secretHint(value: string): string {
  return value.length >= 12 ? `…${value.slice(-4)}` : "…";
}

const LEGACY_MARKER = "[secret]";

export function isHintOf(sent: unknown, stored: unknown): boolean {
  return typeof stored === "string" && (sent === secretHint(stored) || sent === LEGACY_MARKER);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}

/** `config` with each secret field shown as its hint. */
export function redactSecrets(config: Record<string, unknown>, secretFields: readonly string[]): Record<string, unknown> {
  const shown = { ...config };
  for (const field of secretFields) {
    const value = shown[field];
    if (typeof value === "string") shown[field] = secretHint(value);
    else if (isStringRecord(value)) shown[field] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretHint(v)]));
  }
  return shown;
}

/**
 * The config an update stores: `sent`, with each secret it left out or sent
 * as a hint taken from `stored`. A record keeps the names `sent` gives (so a
 * header can be removed), restoring each value sent as its hint.
 */
export function keepSecrets(sent: Record<string, unknown>, stored: Record<string, unknown> | undefined, secretFields: readonly string[]): Record<string, unknown> {
  const merged = { ...sent };
  for (const field of secretFields) {
    const value = merged[field];
    const kept = stored?.[field];
    if (value === null) {
      delete merged[field];
    } else if (value === undefined) {
      if (kept !== undefined) merged[field] = kept;
    } else if (typeof value === "string") {
      if (isHintOf(value, kept)) merged[field] = kept;
    } else if (isStringRecord(value) && isStringRecord(kept)) {
      merged[field] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isHintOf(v, kept[k]) ? kept[k] : v]));
    }
  }
  return merged;
}
