import { z } from "zod";
import { canonicalEventName } from "../scoring/event-name";

const STAGES = ["cold", "warm", "hot", "qualified"] as const;

/**
 * What "converted" means in a namespace: event names (stored in canonical
 * form, so `Closed Won` and `closed-won` are one) and/or stages reached.
 */
export const outcomesBody = z
  .object({
    events: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(200)
          .transform(canonicalEventName)
          .refine((name) => name.length > 0, "must contain a letter or digit"),
      )
      .max(20)
      .default([]),
    stages: z.array(z.enum(STAGES)).max(STAGES.length).default([]),
  })
  .strict()
  .refine((o) => o.events.length + o.stages.length > 0, { message: "declare at least one outcome event or stage", path: ["events"] })
  .transform((o) => ({ events: [...new Set(o.events)], stages: [...new Set(o.stages)] }));
