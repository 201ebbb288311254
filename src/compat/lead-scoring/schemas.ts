import { z } from "zod";
import { MAX_BATCH_MESSAGES } from "../../schemas/segment";
import { queryObject } from "../../schemas/query";

/** Bodies of the Lead Scoring System's API, as its README shows them. */

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO-8601 date");
const leadId = z.string().trim().min(1).max(200);

export const lssEvent = z.object({
  eventType: z.string().trim().min(1).max(200),
  leadId,
  /** The idempotency key: the same eventId on the same lead is stored once. */
  eventId: z.string().trim().min(1).max(100).optional(),
  timestamp: isoDate.optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});
export type LssEvent = z.output<typeof lssEvent>;

export const lssEventBatch = z.object({ events: z.array(lssEvent).min(1).max(MAX_BATCH_MESSAGES) });

const text = z.string().trim().min(1).max(200);
export const lssNewLead = z
  .object({
    name: text.optional(),
    email: z.email({ message: "must be an email address" }).max(320).optional(),
    company: text.optional(),
  })
  .refine((lead) => lead.name !== undefined || lead.email !== undefined, { message: "give a name or an email", path: ["name"] });

export const lssLeadList = queryObject({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  stage: z.enum(["cold", "warm", "hot", "qualified"]).optional(),
});

export const lssLeaderboard = queryObject({ limit: z.coerce.number().int().min(1).max(100).default(10) });

export const lssScoringRule = z.object({
  eventType: z.string().trim().min(1).max(200),
  points: z.number().int().min(-1000).max(1000),
  description: z.string().max(500).optional(),
});

export const lssAutomation = z.object({
  name: z.string().trim().min(1).max(100),
  action: z.enum(["webhook", "slack"]),
  whenStage: z.enum(["cold", "warm", "hot", "qualified"]),
  minVelocity: z.number().min(0).max(10).optional(),
  config: z.object({
    url: z.url({ protocol: /^https?$/ }),
    method: z.literal("POST").optional(),
  }),
});
