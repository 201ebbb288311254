import { database } from "./database";
import { and, eq } from "drizzle-orm";
import { automations, destinations } from "./schema";
import { TtlCache } from "./ttl-cache";
import { listDestinations, type Destination } from "./destinations";
import { listAutomations, type Automation } from "./automations";

// Read on every ingest call, so cached per isolate. The isolate that changes a
// destination or automation forgets its entry at once; other isolates see a
// namespace's first destination within this time, and until then its leads
// keep no outbox for it.
const DELIVERY_TARGETS_CACHE_MS = 10_000;
const deliveriesByNamespace = new TtlCache<boolean>(DELIVERY_TARGETS_CACHE_MS);

/** Whether the namespace has an enabled destination or automation, i.e. whether lead objects keep an outbox. */
export function hasDeliveryTargets(db: D1Database, namespaceId: string): Promise<boolean> {
  return deliveriesByNamespace.getOrLoad(namespaceId, async () => {
    const orm = database(db);
    const [destination, automation] = await Promise.all([
      orm.select({ id: destinations.id }).from(destinations).where(and(eq(destinations.namespaceId, namespaceId), eq(destinations.enabled, true))).limit(1).get(),
      orm.select({ id: automations.id }).from(automations).where(and(eq(automations.namespaceId, namespaceId), eq(automations.enabled, true))).limit(1).get(),
    ]);
    return destination !== undefined || automation !== undefined;
  });
}

const enabledByNamespace = new TtlCache<Destination[]>(DELIVERY_TARGETS_CACHE_MS);

/** The namespace's enabled destinations, as the destinations consumer hands each lead batch to them (cached per isolate). */
export function enabledDestinations(db: D1Database, namespaceId: string): Promise<Destination[]> {
  return enabledByNamespace.getOrLoad(namespaceId, () => listDestinations(db, namespaceId, true));
}

const automationsByNamespace = new TtlCache<Automation[]>(DELIVERY_TARGETS_CACHE_MS);

/** The namespace's enabled automations, as the destinations consumer runs them on each lead batch's changes (cached per isolate). */
export function enabledAutomations(db: D1Database, namespaceId: string): Promise<Automation[]> {
  return automationsByNamespace.getOrLoad(namespaceId, () => listAutomations(db, namespaceId, true));
}

/** Called by every change to a namespace's destinations or automations. */
export function forgetDeliveryTargets(namespaceId: string): void {
  deliveriesByNamespace.forget(namespaceId);
  enabledByNamespace.forget(namespaceId);
  automationsByNamespace.forget(namespaceId);
}
