import { z } from "zod";
import { CONDITION_OPS } from "../scoring/rules";
import { canonicalEventName } from "../scoring/event-name";
import { rateLimitSchema } from "../limits/token-bucket";
import { normalizeKeyword } from "../outreach/routing";
import { PLATFORMS } from "../outreach/types";
import { safeFieldPath } from "./field-path";
import { queryObject } from "./query";
import { COMPANY_SORTS, GRADE_ORDER, LEAD_SORTS, STAGE_ORDER } from "../contracts/lead-lists";

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
      if ((typeof value === "number" || typeof value === "string") && typeof leadId === "string") return { value, leadId };
    } catch {
      // reported below
    }
    ctx.addIssue({ code: "custom", message: "not a cursor from a previous page" });
    return z.NEVER;
  });

/** A moment as an ISO-8601 date or date-time, read as epoch ms. */
const isoMoment = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO-8601 date")
  .transform((v) => Date.parse(v));

const sortOrder = z.enum(["asc", "desc"]).default("desc");

/**
 * The leads list's filters, sort and page (GET /api/leads, the CSV export,
 * a company's leads). A range whose ends cross is refused, naming its lower end.
 */
export const leadListQuery = queryObject({
  stage: z.enum(STAGE_ORDER).optional(),
  grade: z.enum(GRADE_ORDER).optional(),
  minScore: z.coerce.number().optional(),
  maxScore: z.coerce.number().optional(),
  /** Last activity from / to (both included). */
  lastSeenFrom: isoMoment.optional(),
  lastSeenTo: isoMoment.optional(),
  company: z.string().trim().min(1).max(200).optional(),
  /** Free text: part of the email, user id, company or name. */
  q: z.string().trim().min(1).max(200).optional(),
  updatedSince: isoMoment.optional(),
  sort: z.enum(LEAD_SORTS).default("score"),
  order: sortOrder,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: cursorPair.optional(),
})
  .refine((q) => q.minScore === undefined || q.maxScore === undefined || q.minScore <= q.maxScore, { message: "must not be above maxScore", path: ["minScore"] })
  .refine((q) => q.lastSeenFrom === undefined || q.lastSeenTo === undefined || q.lastSeenFrom <= q.lastSeenTo, { message: "must not be after lastSeenTo", path: ["lastSeenFrom"] });

/** The company (account) view: companies by their leads' combined score, a page at a time. */
export const companyListQuery = queryObject({
  q: z.string().trim().min(1).max(200).optional(),
  sort: z.enum(COMPANY_SORTS).default("score_sum"),
  order: sortOrder,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const companyParam = z.object({ company: z.string().trim().min(1, "must name a company").max(200) });

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
