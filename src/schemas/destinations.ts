import { z } from "zod";
import { DESTINATION_TYPES } from "../contracts/destination-types";
import { outboundUrl } from "./config-fields";
import { dotPath, dotPathMap } from "./field-path";
import { queryObject } from "./query";

export const destinationFilters = z
  .object({
    allow: z.array(z.string().min(1).max(200)).max(200).optional(),
    deny: z.array(z.string().min(1).max(200)).max(200).optional(),
    mapping: dotPathMap.optional(),
    mask: z.array(dotPath).max(100).optional(),
  })
  .default({});

/** A destination as a user sends it; `config` is checked against the type's own schema in the route. */
export const destinationBody = z.object({
  name: z.string().trim().min(1).max(100),
  type: z.enum(DESTINATION_TYPES),
  config: z.record(z.string(), z.unknown()),
  enabled: z.boolean().default(true),
  filters: destinationFilters,
});

export const destinationIdParam = z.object({ id: z.uuid("must be a destination id") });

export const deliveriesQuery = queryObject({
  status: z.enum(["pending", "retrying", "delivered", "dead"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const trigger = z.discriminatedUnion("type", [
  z.object({ type: z.literal("stage_becomes"), stage: z.enum(["cold", "warm", "hot", "qualified"]), minVelocity: z.number().min(0).max(10).optional() }),
  z.object({ type: z.literal("score_crosses"), score: z.number() }),
  z.object({ type: z.literal("velocity_reaches"), velocity: z.number().min(0).max(10) }),
]);

export const automationAction = z.discriminatedUnion("type", [
  z.object({ type: z.literal("webhook"), url: outboundUrl, secret: z.string().min(16).max(1000).optional() }),
  z.object({ type: z.literal("slack"), webhookUrl: outboundUrl }),
  z.object({ type: z.literal("destination"), destinationId: z.uuid() }),
]);

export const automationBody = z.object({
  name: z.string().trim().min(1).max(100),
  trigger,
  action: automationAction,
  enabled: z.boolean().default(true),
});

export const automationIdParam = z.object({ id: z.uuid("must be an automation id") });
