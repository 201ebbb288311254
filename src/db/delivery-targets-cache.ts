import { TtlCache } from "./ttl-cache";
import type { Automation, Destination } from "../contracts/delivery-rows";

// Read on every ingest call, so cached per isolate. The isolate that changes a
// destination or automation forgets its entry at once; other isolates see a
// namespace's first destination within this time, and until then its leads
// keep no outbox for it.
const DELIVERY_TARGETS_CACHE_MS = 10_000;

/** Per namespace: whether it has an enabled destination or automation (read by ./delivery-targets.ts). */
export const deliveriesByNamespace = new TtlCache<boolean>(DELIVERY_TARGETS_CACHE_MS);
/** Per namespace: its enabled destinations. */
export const enabledByNamespace = new TtlCache<Destination[]>(DELIVERY_TARGETS_CACHE_MS);
/** Per namespace: its enabled automations. */
export const automationsByNamespace = new TtlCache<Automation[]>(DELIVERY_TARGETS_CACHE_MS);

/**
 * Called by every change to a namespace's destinations or automations. The caches live apart from the reads that
 * fill them, so the tables' writers (./destinations.ts, ./automations.ts) forget entries without importing the
 * reads, which import the writers' list queries.
 */
export function forgetDeliveryTargets(namespaceId: string): void {
  deliveriesByNamespace.forget(namespaceId);
  enabledByNamespace.forget(namespaceId);
  automationsByNamespace.forget(namespaceId);
}
