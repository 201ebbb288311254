import { database } from "../db/database";
import { and, eq } from "drizzle-orm";
import { bufferCursors } from "../db/schema";

export interface CursorRecord {
  namespace: string;
  state: unknown;
  updatedAt: number | null;
}

export async function readCursor(db: D1Database, orgId: string, namespace: string): Promise<CursorRecord> {
  const row = await database(db)
    .select({ state: bufferCursors.state, updatedAt: bufferCursors.updatedAt })
    .from(bufferCursors)
    .where(and(eq(bufferCursors.orgId, orgId), eq(bufferCursors.namespace, namespace)))
    .get();
  return { namespace, state: row?.state ?? null, updatedAt: row?.updatedAt ?? null };
}

export async function writeCursor(db: D1Database, orgId: string, namespace: string, state: unknown, now: number): Promise<CursorRecord> {
  await database(db)
    .insert(bufferCursors)
    .values({ orgId, namespace, state, updatedAt: now })
    .onConflictDoUpdate({ target: [bufferCursors.orgId, bufferCursors.namespace], set: { state, updatedAt: now } });
  return { namespace, state, updatedAt: now };
}
