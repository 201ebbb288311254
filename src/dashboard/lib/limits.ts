// Rate limits in words: "1,000 calls an hour", never "1000 calls per 3600 s".
import type { RateLimit } from "../../limits/token-bucket";

export type { RateLimit };

export const PERIODS: Record<string, number> = { second: 1, minute: 60, hour: 3_600, day: 86_400 };

/** "1,000 calls an hour"; a period that is no round unit reads in seconds. */
export function describeLimit(limit: RateLimit): string {
  const unit = Object.entries(PERIODS).find(([, s]) => s === limit.periodSeconds)?.[0];
  const calls = `${limit.limit.toLocaleString("en")} ${limit.limit === 1 ? "call" : "calls"}`;
  return unit ? `${calls} a${unit === "hour" ? "n" : ""} ${unit}` : `${calls} every ${limit.periodSeconds.toLocaleString("en")} seconds`;
}
