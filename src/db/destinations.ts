import { database } from "./database";
import { forgetDeliveryTargets } from "./delivery-targets-cache";
import { and, eq } from "drizzle-orm";
import { destinations } from "./schema";
import { DESTINATION_CONFIG, open, seal } from "./sealed";
import type { Destination, DestinationFilters, DestinationInput } from "../contracts/delivery-rows";
import type { DestinationType } from "../contracts/destination-types";
import { StoredJson } from "../stored-json";

const destinationConfigJson = new StoredJson<Record<string, unknown>>();
const destinationFiltersJson = new StoredJson<DestinationFilters>();

export type { Destination, DestinationInput };

/** The config (credentials included) is sealed at rest: see src/secrets/cipher.ts. */
const toDestination = async (db: D1Database, row: typeof destinations.$inferSelect): Promise<Destination> => ({
  ...row,
  type: row.type as DestinationType,
  config: destinationConfigJson.parse(await open(db, DESTINATION_CONFIG, row.id, row.config)),
  filters: destinationFiltersJson.parse(row.filters),
});

export async function createDestination(db: D1Database, namespaceId: string, input: DestinationInput): Promise<Destination> {
  const now = Date.now();
  const id = crypto.randomUUID();
  const row = { id, namespaceId, ...input, config: await seal(DESTINATION_CONFIG, id, destinationConfigJson.stringify(input.config)), filters: destinationFiltersJson.stringify(input.filters), createdAt: now, updatedAt: now };
  await database(db).insert(destinations).values(row);
  forgetDeliveryTargets(namespaceId);
  return { ...row, config: input.config, filters: input.filters };
}

export async function updateDestination(db: D1Database, namespaceId: string, id: string, input: DestinationInput): Promise<Destination | undefined> {
  const set = { ...input, config: await seal(DESTINATION_CONFIG, id, destinationConfigJson.stringify(input.config)), filters: destinationFiltersJson.stringify(input.filters), updatedAt: Date.now() };
  const row = await database(db)
    .update(destinations)
    .set(set)
    .where(and(eq(destinations.id, id), eq(destinations.namespaceId, namespaceId)))
    .returning()
    .get();
  forgetDeliveryTargets(namespaceId);
  return row && { ...row, type: row.type as DestinationType, config: input.config, filters: input.filters };
}

/** Deletes the destination; answers what it was (its id and type), or undefined when there was none. */
export async function deleteDestination(db: D1Database, namespaceId: string, id: string): Promise<Pick<Destination, "id" | "type"> | undefined> {
  const row = await database(db)
    .delete(destinations)
    .where(and(eq(destinations.id, id), eq(destinations.namespaceId, namespaceId)))
    .returning({ id: destinations.id, type: destinations.type })
    .get();
  forgetDeliveryTargets(namespaceId);
  return row && { id: row.id, type: row.type as DestinationType };
}

export async function getDestination(db: D1Database, namespaceId: string, id: string): Promise<Destination | undefined> {
  const row = await database(db)
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
  const rows = await database(db).select().from(destinations).where(where).orderBy(destinations.createdAt).all();
  return Promise.all(rows.map((row) => toDestination(db, row)));
}
