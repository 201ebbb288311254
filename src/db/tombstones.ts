import { drizzle } from "drizzle-orm/d1";
import { and, eq } from "drizzle-orm";
import { leadTombstones } from "./schema";

/** Whether the lead was erased: what it still owed destinations is not delivered. */
export async function isLeadErased(db: D1Database, leadId: string): Promise<boolean> {
  const row = await drizzle(db)
    .select({ leadId: leadTombstones.leadId })
    .from(leadTombstones)
    .where(and(eq(leadTombstones.leadId, leadId), eq(leadTombstones.reason, "erased")))
    .get();
  return row !== undefined;
}
