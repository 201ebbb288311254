import { z } from "zod";
import type { LiveNotice } from "./notices";

/**
 * What one listener wants: only these event names (a track's event, or a
 * call type such as `page`), only notices about this lead. Both narrow.
 */
export const liveFilterSchema = z.strictObject({
  events: z.array(z.string().min(1).max(200)).max(50).optional(),
  lead: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "must be a lead id (64 hex characters)")
    .optional(),
});

export type LiveFilter = z.output<typeof liveFilterSchema>;

export function matchesFilter(filter: LiveFilter, notice: LiveNotice): boolean {
  if (filter.events && filter.events.length > 0) {
    if (notice.kind !== "event" || !filter.events.includes(notice.event)) return false;
  }
  if (filter.lead) {
    if (notice.kind === "rejection") return false;
    if (notice.leadId !== filter.lead && !(notice.kind === "merge" && notice.mergedLeadId === filter.lead)) return false;
  }
  return true;
}
