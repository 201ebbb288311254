import { z } from "zod";
import { CONDITION_OPS } from "../scoring/rules";
import { canonicalEventName } from "../scoring/event-name";
import { rateLimitSchema } from "../limits/token-bucket";
import { normalizeKeyword } from "../sources/routing";
import { PLATFORMS } from "../sources/types";
import { safeFieldPath } from "./field-path";
import { queryObject } from "./query";

/** Namespace names are URL- and log-friendly: `acme-corp`, `default`. */
export const namespaceName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, "must start with a letter and hold only a-z, 0-9, - and _ (at most 63 characters)");

export const createNamespaceBody = z.object({ name: namespaceName });

export const createNamedSecretBody = z.object({ name: z.string().trim().min(1).max(100) });

/** An API key: `read` keys may only read; `write` (the default) may also change configuration. */
export const createApiKeyBody = createNamedSecretBody.extend({ scope: z.enum(["read", "write"]).default("write") });

export const leadIdParam = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, "must be a lead id (64 hex characters)") });

export const lookupQuery = queryObject({
    userId: z.string().min(1).optional(),
    anonymousId: z.string().min(1).optional(),
    email: z.string().min(1).optional(),
  })
  .refine((q) => [q.userId, q.anonymousId, q.email].filter((v) => v !== undefined).length === 1, {
    message: "give exactly one of userId, anonymousId or email",
    path: ["userId"],
  });

export const timelineQuery = queryObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).optional(),
});

const conditionSchema = z.object({
  property: safeFieldPath(z.string().min(1).max(200)),
  op: z.enum(CONDITION_OPS),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

/** A scoring rule as sent by a user; `event` is matched case- and separator-insensitively. */
export const scoringRuleBody = z.object({
  event: z.string().trim().min(1).max(200).transform(canonicalEventName),
  points: z.number().int().min(-1000).max(1000),
  conditions: z.array(conditionSchema).max(10).default([]),
  cap: z.number().int().positive().nullable().default(null),
});

export const ruleIdParam = z.object({ id: z.string().uuid("must be a rule id") });

const bucket = z.object({ min: z.number().nonnegative(), max: z.number().nonnegative().nullable(), points: z.number().int().min(0).max(100) });

export const icpTableBody = z.object({
  companySize: z.array(bucket).max(20),
  annualRevenue: z.array(bucket).max(20),
  funding: z.record(z.string().min(1), z.number().int().min(0).max(100)),
});

const cursorPair = z
  .string()
  .transform((raw, ctx) => {
    try {
      const [value, leadId] = JSON.parse(atob(raw)) as [unknown, unknown];
      if (typeof value === "number" && typeof leadId === "string") return { value, leadId };
    } catch {
      // reported below
    }
    ctx.addIssue({ code: "custom", message: "not a cursor from a previous page" });
    return z.NEVER;
  });

export const leadListQuery = queryObject({
  stage: z.enum(["cold", "warm", "hot", "qualified"]).optional(),
  grade: z.enum(["A+", "A", "B+", "B", "C+", "C", "D", "F"]).optional(),
  minScore: z.coerce.number().optional(),
  updatedSince: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO-8601 date")
    .transform((v) => Date.parse(v))
    .optional(),
  sort: z.enum(["score", "last_activity", "conversion_probability"]).default("score"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: cursorPair.optional(),
});

export const leaderboardQuery = queryObject({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  sort: z.enum(["score", "conversion_probability"]).default("score"),
});

/** A source's or API key's own rate limit; null goes back to the default. */
export const rateLimitBody = z.object({ rateLimit: rateLimitSchema.nullable() });

export const keyIdParam = z.object({ id: z.string().uuid("must be an id from the admin API") });

/** Namespace settings; null retention keeps events for as long as the lead lives. */
export const namespaceSettingsBody = z.object({ retentionDays: z.number().int().min(1).max(3650).nullable() });
/** Campaign-name keywords of a namespace, stored normalised (lower case, single spaces) and without repeats. */
export const keywordList = z
  .array(
    z
      .string()
      .max(100)
      .transform(normalizeKeyword)
      .refine((k) => k.length > 0, "must hold at least one letter or digit"),
  )
  .max(50)
  .transform((list) => [...new Set(list)]);

export const createNamespaceWithKeywordsBody = z.object({ name: namespaceName, keywords: keywordList.default([]) });
/** Namespaces whose syncs and webhooks may route activity here by keyword (names; empty: none). */
export const acceptRoutedFromList = z
  .array(namespaceName)
  .max(100)
  .transform((list) => [...new Set(list)]);
export const updateNamespaceBody = z
  .object({ keywords: keywordList.optional(), acceptRoutedFrom: acceptRoutedFromList.optional() })
  .refine((b) => b.keywords !== undefined || b.acceptRoutedFrom !== undefined, { message: "give keywords, acceptRoutedFrom or both", path: ["keywords"] });

export const webhookSourceBody = z.object({ platform: z.enum(PLATFORMS), name: z.string().trim().min(1).max(100) });
