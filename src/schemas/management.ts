import { z } from "zod";

/** Namespace names are URL- and log-friendly: `acme-corp`, `default`. */
export const namespaceName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, "must start with a letter and hold only a-z, 0-9, - and _ (at most 63 characters)");

export const createNamespaceBody = z.object({ name: namespaceName });

export const createNamedSecretBody = z.object({ name: z.string().trim().min(1).max(100) });

export const leadIdParam = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, "must be a lead id (64 hex characters)") });

export const lookupQuery = z
  .object({
    userId: z.string().min(1).optional(),
    anonymousId: z.string().min(1).optional(),
    email: z.string().min(1).optional(),
  })
  .refine((q) => [q.userId, q.anonymousId, q.email].filter((v) => v !== undefined).length === 1, {
    message: "give exactly one of userId, anonymousId or email",
    path: ["userId"],
  });

export const timelineQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).optional(),
});
