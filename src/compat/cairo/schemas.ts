import { z } from "zod";
import { MAX_RATE_LIMIT_DELAY_MS, SYNC_STATUSES } from "../../schemas/sync";
import { PLATFORMS } from "../../outreach/types";
import { queryObject } from "../../schemas/query";

/** Bodies of Cairo's API (seeds 000 and 004), before they become core requests. */

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO-8601 date");
const email = z.email({ message: "must be an email address" }).max(320);
const object = z.record(z.string(), z.unknown());

export const cairoTrack = z.object({
  user_email: email,
  event: z.string().trim().min(1).max(200),
  properties: object.optional(),
  timestamp: isoDate.optional(),
  event_id: z.string().trim().min(1).max(100).optional(),
});
export type CairoTrack = z.output<typeof cairoTrack>;

export const cairoIdentify = z.object({
  user_email: email,
  properties: object.optional(),
  traits: object.optional(),
  timestamp: isoDate.optional(),
});
export type CairoIdentify = z.output<typeof cairoIdentify>;

export const cairoBatch = z.object({ events: z.array(cairoTrack).min(1).max(2500) });

/** Comma-separated strings (seed 004) or arrays (seed 000). */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === "string" && v !== "all" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v), z.array(item).min(1));

const upperOrLowerMode = z
  .string()
  .transform((m) => m.toLowerCase())
  .pipe(z.enum(["full_historical", "delta_since_last", "date_range", "reset_from_date", "namespace_reset"]));

/**
 * A full-sync request in either seed's words: 000's `mode` (upper case),
 * `dateRange {start, end}`, `resetDate`, `callbackUrl`; or 004's `syncMode`,
 * `startDate`/`endDate`, `webhookUrl`.
 */
export const cairoFullSync = z
  .object({
    mode: upperOrLowerMode.optional(),
    syncMode: upperOrLowerMode.optional(),
    platforms: list(z.enum(PLATFORMS)).optional(),
    namespaces: z.union([z.literal("all"), list(z.string().trim().min(1).max(100))]).optional(),
    dateRange: z.object({ start: isoDate, end: isoDate }).optional(),
    startDate: isoDate.optional(),
    endDate: isoDate.optional(),
    resetDate: isoDate.optional(),
    batchSize: z.number().int().min(1).max(1000).optional(),
    rateLimitDelay: z.number().int().min(0).max(MAX_RATE_LIMIT_DELAY_MS).optional(),
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
    enableMixpanelTracking: z.boolean().optional(),
    enableProgressTracking: z.boolean().optional(),
    enableAttioSync: z.boolean().optional(),
  })
  .refine((b) => b.mode !== undefined || b.syncMode !== undefined, { message: "mode is required", path: ["mode"] });
export type CairoFullSync = z.output<typeof cairoFullSync>;

/** The core's sync request (validated again by the core's schema). */
export function toCoreSyncRequest(body: CairoFullSync) {
  const mode = (body.mode ?? body.syncMode)!;
  const start = body.dateRange?.start ?? body.startDate;
  const end = body.dateRange?.end ?? body.endDate;
  return {
    mode: mode === "namespace_reset" ? "reset_from_date" : mode,
    ...(body.platforms ? { platforms: body.platforms } : {}),
    ...(body.namespaces ? { namespaces: body.namespaces } : {}),
    ...(start !== undefined || end !== undefined ? { dateRange: { from: start, to: end ?? new Date().toISOString() } } : {}),
    ...(body.resetDate ? { resetDate: body.resetDate } : {}),
    batchSize: body.batchSize ?? 100,
    ...(body.rateLimitDelay !== undefined ? { rateLimitDelay: body.rateLimitDelay } : {}),
    ...(body.callbackUrl ?? body.webhookUrl ? { callbackUrl: body.callbackUrl ?? body.webhookUrl } : {}),
  };
}

/** The core names dateRange's ends from/to; the seed start/end. */
export function seedFieldPath(path: string): string {
  return path.replace(/^dateRange\.from$/, "dateRange.start").replace(/^dateRange\.to$/, "dateRange.end");
}

export const cairoJobList = queryObject({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  status: z
    .string()
    .transform((s) => (s === "running" ? "in_progress" : s))
    .pipe(z.enum(SYNC_STATUSES))
    .optional(),
});

export const cairoNamespaceBody = z.object({
  name: z.string(),
  keywords: z.array(z.string()).default([]),
  attio_config: object.optional(),
});

export const cairoNamespaceUpdate = z.object({ keywords: z.array(z.string()) });

export const cairoProviderTest = z.object({ email, company: z.string().max(200).optional() });
