const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9 };

/**
 * Reads a count or an amount as providers write it: 42, "42", "11-50",
 * "1K-5K", "$10M-$50M", "10,000+". A range gives its lower bound, which is
 * what ICP buckets aligned with these ranges expect.
 */
export function parseAmount(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = value.replace(/[$,\s]/g, "").match(/^(\d+(?:\.\d+)?)([kmb])?/i);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (match[2] ? SUFFIX[match[2].toLowerCase()]! : 1));
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** Drops undefined fields; null when nothing is left. */
export function compact<T extends object>(value: T): T | null {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as T) : null;
}
