import { z } from "zod";
import { normalizeEmail } from "../ingest/normalize";
import { queryObject } from "./query";

/** A buffer namespace: the caller's own name for one stream of leads (a campaign, a search). */
const bufferNamespace = z.string().trim().min(1).max(200);
const id = z.string().trim().min(1).max(200);

/** Emails are compared trimmed and lower-cased everywhere. */
export const email = z
  .string()
  .max(320)
  .transform(normalizeEmail)
  .pipe(z.email({ message: "must be an email address" }));

export const MAX_PUSH_LEADS = 1000;
/** A buffered lead's own `data`: what an outreach worker needs about it, not a document store. */
export const MAX_LEAD_DATA_BYTES = 16 * 1024;

export const bufferPushBody = z.object({
  namespace: bufferNamespace,
  brandId: id.optional(),
  clerkOrgId: id,
  clerkUserId: id.optional(),
  parentRunId: id.optional(),
  leads: z
    .array(
      z.object({
        email,
        externalId: id.optional(),
        data: z
          .record(z.string(), z.unknown())
          .refine((data) => JSON.stringify(data).length <= MAX_LEAD_DATA_BYTES, `must be at most ${MAX_LEAD_DATA_BYTES} bytes of JSON`)
          .optional(),
      }),
    )
    .min(1)
    .max(MAX_PUSH_LEADS),
});
export type BufferPush = z.output<typeof bufferPushBody>;

export const MIN_CLAIM_SECONDS = 10;
export const MAX_CLAIM_SECONDS = 86_400;

export const bufferNextBody = z.object({
  namespace: bufferNamespace,
  parentRunId: id,
  /** How long the caller has to acknowledge the lead before it goes back to the buffer. */
  claimSeconds: z.number().int().min(MIN_CLAIM_SECONDS).max(MAX_CLAIM_SECONDS).optional(),
});

export const bufferAckBody = z.object({
  namespace: bufferNamespace,
  parentRunId: id,
  id: z.number().int().positive(),
});

export const bufferRequeueBody = z.object({
  namespace: bufferNamespace,
  /** Parked leads to put back; all of the namespace's when left out. */
  ids: z.array(z.number().int().positive()).min(1).max(MAX_PUSH_LEADS).optional(),
});

export const idempotencyKey = z.string().trim().min(1).max(200).optional();

export const servedLeadsQuery = queryObject({
  namespace: bufferNamespace.optional(),
  brandId: id.optional(),
  clerkOrgId: id.optional(),
  clerkUserId: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce.number().int().min(0).optional(),
});

export const cursorParam = z.object({ namespace: bufferNamespace });

export const MAX_CURSOR_STATE_BYTES = 64 * 1024;
export const cursorBody = z.object({
  state: z
    .record(z.string(), z.unknown())
    .refine((state) => JSON.stringify(state).length <= MAX_CURSOR_STATE_BYTES, `must be at most ${MAX_CURSOR_STATE_BYTES} bytes of JSON`),
});

export const enrichBody = z.object({ email });

export const createOrgBody = z.object({ clerkOrgId: id, appId: id });
