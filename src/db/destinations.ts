import { drizzle } from "drizzle-orm/d1";
import { forgetDeliveryTargets } from "./delivery-targets";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { deliveries, destinations } from "./schema";
import { DESTINATION_CONFIG, open, seal } from "./sealed";
import type { DestinationType } from "../destinations/registry";
import type { DestinationFilters } from "../destinations/transform";

export interface Destination {
  id: string;
  namespaceId: string;
  name: string;
  type: DestinationType;
  config: Record<string, unknown>;
  enabled: boolean;
  filters: DestinationFilters;
  createdAt: number;
  updatedAt: number;
}

export interface DestinationInput {
  name: string;
  type: DestinationType;
  config: Record<string, unknown>;
  enabled: boolean;
  filters: DestinationFilters;
}

/** The config (credentials included) is sealed at rest: see src/secrets/cipher.ts. */
const toDestination = async (db: D1Database, row: typeof destinations.$inferSelect): Promise<Destination> => ({
  ...row,
  type: row.type as DestinationType,
  config: JSON.parse(await open(db, DESTINATION_CONFIG, row.id, row.config)) as Record<string, unknown>,
  filters: JSON.parse(row.filters) as DestinationFilters,
});

export async function createDestination(db: D1Database, namespaceId: string, input: DestinationInput): Promise<Destination> {
  const now = Date.now();
  const id = crypto.randomUUID();
  const row = { id, namespaceId, ...input, config: await seal(DESTINATION_CONFIG, id, JSON.stringify(input.config)), filters: JSON.stringify(input.filters), createdAt: now, updatedAt: now };
  await drizzle(db).insert(destinations).values(row);
  forgetDeliveryTargets(namespaceId);
  return { ...row, config: input.config, filters: input.filters };
}

export async function updateDestination(db: D1Database, namespaceId: string, id: string, input: DestinationInput): Promise<Destination | undefined> {
  const set = { ...input, config: await seal(DESTINATION_CONFIG, id, JSON.stringify(input.config)), filters: JSON.stringify(input.filters), updatedAt: Date.now() };
  const row = await drizzle(db)
    .update(destinations)
    .set(set)
    .where(and(eq(destinations.id, id), eq(destinations.namespaceId, namespaceId)))
    .returning()
    .get();
  forgetDeliveryTargets(namespaceId);
  return row && { ...row, type: row.type as DestinationType, config: input.config, filters: input.filters };
}

export async function deleteDestination(db: D1Database, namespaceId: string, id: string): Promise<boolean> {
  const row = await drizzle(db)
    .delete(destinations)
    .where(and(eq(destinations.id, id), eq(destinations.namespaceId, namespaceId)))
    .returning({ id: destinations.id })
    .get();
  forgetDeliveryTargets(namespaceId);
  return row !== undefined;
}

export async function getDestination(db: D1Database, namespaceId: string, id: string): Promise<Destination | undefined> {
  const row = await drizzle(db)
    .select()
    .from(destinations)
    .where(and(eq(destinations.id, id), eq(destinations.namespaceId, namespaceId)))
    .get();
  return row && toDestination(db, row);
}

export async function listDestinations(db: D1Database, namespaceId: string, onlyEnabled = false): Promise<Destination[]> {
  const where = onlyEnabled
    ? and(eq(destinations.namespaceId, namespaceId), eq(destinations.enabled, true))
    : eq(destinations.namespaceId, namespaceId);
  const rows = await drizzle(db).select().from(destinations).where(where).orderBy(destinations.createdAt).all();
  return Promise.all(rows.map((row) => toDestination(db, row)));
}

export interface DeliveryState {
  status: "delivered" | "retrying" | "dead";
  attempts: number;
}

/** The destination's log state of each of these messageIds that has one. */
export async function deliveryStates(db: D1Database, destinationId: string, messageIds: readonly string[]): Promise<Map<string, DeliveryState>> {
  const states = new Map<string, DeliveryState>();
  // One bound parameter for the destination; chunks stay under D1's 100.
  for (let i = 0; i < messageIds.length; i += 90) {
    const rows = await drizzle(db)
      .select({ messageId: deliveries.messageId, status: deliveries.status, attempts: deliveries.attempts })
      .from(deliveries)
      .where(and(eq(deliveries.destinationId, destinationId), inArray(deliveries.messageId, messageIds.slice(i, i + 90))))
      .all();
    for (const row of rows) states.set(row.messageId, { status: row.status, attempts: row.attempts });
  }
  return states;
}

export interface DeliveryRecord {
  destinationId: string;
  messageId: string;
  leadId: string;
  status: "delivered" | "retrying" | "dead";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  /** Kept for dead letters, so they can be replayed. */
  payload: string | null;
}

/** Adds this round's attempts to the destination's log row for the message. */
export async function recordDelivery(db: D1Database, record: DeliveryRecord): Promise<void> {
  await drizzle(db)
    .insert(deliveries)
    .values({ ...record, updatedAt: Date.now() })
    .onConflictDoUpdate({
      target: [deliveries.destinationId, deliveries.messageId],
      set: {
        status: record.status,
        attempts: sql`${deliveries.attempts} + ${record.attempts}`,
        lastStatus: record.lastStatus,
        lastError: record.lastError,
        payload: record.payload,
        updatedAt: Date.now(),
      },
    });
}

export async function listDeliveries(db: D1Database, destinationId: string, status: DeliveryRecord["status"] | undefined, limit: number) {
  const where = status ? and(eq(deliveries.destinationId, destinationId), eq(deliveries.status, status)) : eq(deliveries.destinationId, destinationId);
  return drizzle(db)
    .select({
      messageId: deliveries.messageId,
      leadId: deliveries.leadId,
      status: deliveries.status,
      attempts: deliveries.attempts,
      lastStatus: deliveries.lastStatus,
      lastError: deliveries.lastError,
      updatedAt: deliveries.updatedAt,
    })
    .from(deliveries)
    .where(where)
    .orderBy(desc(deliveries.updatedAt))
    .limit(limit)
    .all();
}

export async function deadLetters(db: D1Database, destinationId: string, limit: number) {
  return drizzle(db)
    .select({ messageId: deliveries.messageId, payload: deliveries.payload })
    .from(deliveries)
    .where(and(eq(deliveries.destinationId, destinationId), eq(deliveries.status, "dead")))
    .limit(limit)
    .all();
}

export async function deliveryCounts(db: D1Database, destinationId: string) {
  const rows = await drizzle(db)
    .select({ status: deliveries.status, count: sql<number>`count(*)` })
    .from(deliveries)
    .where(eq(deliveries.destinationId, destinationId))
    .groupBy(deliveries.status)
    .all();
  return Object.fromEntries(rows.map((r) => [r.status, r.count]));
}
