import { z } from "zod";

/** Segment's limits (HTTP Tracking API). */
export const MAX_MESSAGE_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_BATCH_MESSAGES = 2500;

export const MESSAGE_TYPES = ["track", "identify", "page", "screen", "group", "alias"] as const;

/** Ids may arrive as numbers from some server libraries; they are kept as strings. */
const id = z.union([z.string(), z.number()]).transform(String);

const timestamp = z
  .union([z.string(), z.number()])
  .refine((v) => !Number.isNaN(new Date(v).getTime()), "must be an ISO-8601 date");

const object = z.record(z.string(), z.unknown());

/** Fields every call may carry; unknown fields are kept (loose objects). */
const common = {
  userId: id.optional().nullable(),
  anonymousId: id.optional().nullable(),
  messageId: z.string().min(1).max(100).optional(),
  timestamp: timestamp.optional(),
  originalTimestamp: timestamp.optional(),
  sentAt: timestamp.optional(),
  context: object.optional(),
  integrations: object.optional(),
  properties: object.optional(),
  traits: object.optional(),
};

const messageSchemas = {
  track: z.looseObject({ ...common, type: z.literal("track"), event: z.string().min(1) }),
  identify: z.looseObject({ ...common, type: z.literal("identify") }),
  page: z.looseObject({ ...common, type: z.literal("page"), name: z.string().optional().nullable() }),
  screen: z.looseObject({ ...common, type: z.literal("screen"), name: z.string().optional().nullable() }),
  group: z.looseObject({ ...common, type: z.literal("group"), groupId: id }),
  alias: z.looseObject({ ...common, type: z.literal("alias"), previousId: id }),
};

export const messageSchema = z
  .discriminatedUnion("type", [
    messageSchemas.track,
    messageSchemas.identify,
    messageSchemas.page,
    messageSchemas.screen,
    messageSchemas.group,
    messageSchemas.alias,
  ])
  .superRefine((msg, ctx) => {
    if (!msg.userId && !msg.anonymousId) {
      ctx.addIssue({ code: "custom", path: ["userId"], message: "userId or anonymousId is required" });
    }
    if (msg.type === "alias" && !msg.userId) {
      ctx.addIssue({ code: "custom", path: ["userId"], message: "alias needs the userId that previousId becomes" });
    }
  });

export type SegmentMessage = z.output<typeof messageSchema>;
export type MessageType = SegmentMessage["type"];

/** The envelope of /v1/batch, /v1/b and /v1/import; the items are checked one by one. */
export const batchSchema = z.looseObject({
  batch: z.array(z.unknown()),
  writeKey: z.string().optional(),
  sentAt: timestamp.optional(),
  context: object.optional(),
  integrations: object.optional(),
});

export type BatchEnvelope = z.output<typeof batchSchema>;
