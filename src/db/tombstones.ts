import { database } from "./database";
import { and, eq, inArray } from "drizzle-orm";
import { leadTombstones } from "./schema";

/** Whether the lead was erased: what it still owed destinations is not delivered. */
export async function isLeadErased(db: D1Database, leadId: string): Promise<boolean> {
  const row = await database(db)
    .select({ leadId: leadTombstones.leadId })
    .from(leadTombstones)
    .where(and(eq(leadTombstones.leadId, leadId), eq(leadTombstones.reason, "erased")))
    .get();
  return row !== undefined;
}

/** Which of these leads were erased (one query per 90 ids). */
export async function erasedLeadIds(db: D1Database, leadIds: readonly string[]): Promise<Set<string>> {
  const erased = new Set<string>();
  for (let i = 0; i < leadIds.length; i += 90) {
    const rows = await database(db)
      .select({ leadId: leadTombstones.leadId })
      .from(leadTombstones)
      .where(and(inArray(leadTombstones.leadId, leadIds.slice(i, i + 90)), eq(leadTombstones.reason, "erased")))
      .all();
    for (const row of rows) erased.add(row.leadId);
  }
  return erased;
}
