import { z } from "zod";
import { scoringRuleBody } from "./management";

/** A proposed change to the rules: a new rule, a rule replacing `id`, or (`rule` absent) the removal of `id`. */
export const scoringPreviewBody = z
  .object({ rule: scoringRuleBody.optional(), id: z.string().uuid("must be a rule id").optional() })
  .refine((b) => b.rule !== undefined || b.id !== undefined, { message: "give a rule to add, a rule with the id it replaces, or an id to remove", path: ["rule"] });
