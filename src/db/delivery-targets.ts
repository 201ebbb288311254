import { database } from "./database";
import { and, eq } from "drizzle-orm";
import { automations, destinations } from "./schema";
import { automationsByNamespace, deliveriesByNamespace, enabledByNamespace } from "./delivery-targets-cache";
import { listDestinations, type Destination } from "./destinations";
import { listAutomations, type Automation } from "./automations";

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

/** The namespace's enabled destinations, as the destinations consumer hands each lead batch to them (cached per isolate). */
export function enabledDestinations(db: D1Database, namespaceId: string): Promise<Destination[]> {
  return enabledByNamespace.getOrLoad(namespaceId, () => listDestinations(db, namespaceId, true));
}

/** The namespace's enabled automations, as the destinations consumer runs them on each lead batch's changes (cached per isolate). */
export function enabledAutomations(db: D1Database, namespaceId: string): Promise<Automation[]> {
  return automationsByNamespace.getOrLoad(namespaceId, () => listAutomations(db, namespaceId, true));
}
