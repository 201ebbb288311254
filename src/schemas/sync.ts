import { z } from "zod";
import { namespaceName } from "./management";
import { PLATFORMS } from "../outreach/types";
import { queryObject } from "./query";

export const SYNC_MODES = ["full_historical", "delta_since_last", "date_range", "reset_from_date"] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

const isoDate = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO-8601 date")
  .transform((v) => new Date(v).toISOString());

export const MAX_RATE_LIMIT_DELAY_MS = 60_000;

export const syncJobBody = z
  .object({
    platforms: z
      .array(z.enum(PLATFORMS))
      .min(1)
      .transform((list) => [...new Set(list)])
      .default([...PLATFORMS]),
    mode: z.enum(SYNC_MODES),
    namespaces: z.union([z.literal("all"), z.array(namespaceName).min(1).max(100)]).default("all"),
    dateRange: z.object({ from: isoDate, to: isoDate }).optional(),
    resetDate: isoDate.optional(),
    batchSize: z.number().int().min(1).max(1000).default(500),
    /** Pacing: milliseconds to wait between the tool's page requests (on top of the platform's own interval). */
    rateLimitDelay: z.number().int().min(0).max(MAX_RATE_LIMIT_DELAY_MS).optional(),
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.mode === "date_range" && !body.dateRange) ctx.addIssue({ code: "custom", path: ["dateRange"], message: "required when mode is date_range" });
    if (body.dateRange && body.dateRange.from > body.dateRange.to) ctx.addIssue({ code: "custom", path: ["dateRange", "to"], message: "must not be before dateRange.from" });
    if (body.mode === "reset_from_date" && !body.resetDate) ctx.addIssue({ code: "custom", path: ["resetDate"], message: "required when mode is reset_from_date" });
  });
export type SyncJobRequest = z.output<typeof syncJobBody>;

/** What a job keeps of its request. */
export interface SyncJobConfig {
  platforms: SyncJobRequest["platforms"];
  namespaces: "all" | string[];
  dateRange?: { from: string; to: string };
  resetDate?: string;
  batchSize: number;
  rateLimitDelay?: number;
  callbackUrl?: string;
  /**
   * Accounts read for namespaces that accept their owner's routed activity
   * (account id → namespace ids): only activity routed to those is kept, and
   * the account's watermark and last sync time stay as they were.
   */
  routeOnly?: Record<string, string[]>;
}

export const SYNC_STATUSES = ["queued", "in_progress", "completed", "failed", "cancelled"] as const;

export const syncJobListQuery = queryObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  status: z.enum(SYNC_STATUSES).optional(),
});

export const syncJobIdParam = z.object({ id: z.string().uuid("must be a sync job id") });

export const accountBody = z.object({
  platform: z.enum(PLATFORMS),
  name: z.string().trim().min(1).max(100),
  // Sent in a header (Lemlist's Basic auth): visible ASCII only, or the sync would fail at its first call.
  apiKey: z.string().trim().min(1).max(500).regex(/^[\x21-\x7e]*$/, "must be visible ASCII characters without spaces"),
  baseUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, "")).optional(),
});

export const accountIdParam = z.object({ id: z.string().uuid("must be an account id") });
