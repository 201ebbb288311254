import type { IngestResult } from "../contracts/lead-rpc";
import { hasDeliveryTargets } from "../db/delivery-targets";
import type { NamespaceState } from "./namespace-state";
import type { LeadEvent } from "./normalize";

/** A lead object's share of a call: its events in arrival order, with the caller's index of each. */
export interface LeadGroup {
  name: string;
  namespaceId: string;
  events: LeadEvent[];
  indices: number[];
}

/**
 * The events of one call grouped by the lead object each goes to (the object's name, from src/ingest/lead-name.ts),
 * so each lead gets all of its events in one RPC.
 */
export class EventsByLead {
  private readonly groups = new Map<string, LeadGroup>();

  add(namespaceId: string, name: string, event: LeadEvent, index: number): void {
    const group = this.groups.get(name) ?? { name, namespaceId, events: [], indices: [] };
    group.events.push(event);
    group.indices.push(index);
    this.groups.set(name, group);
  }

  get size(): number {
    return this.groups.size;
  }

  namespaceIds(): string[] {
    return [...new Set([...this.groups.values()].map((g) => g.namespaceId))];
  }

  all(): LeadGroup[] {
    return [...this.groups.values()];
  }
}

/**
 * The one door into LeadObject.ingest, for every source of events (the ingest API, outreach webhooks and syncs):
 * tells each lead its namespace's state (`scoringVersions` by namespace id, and whether the namespace delivers
 * anywhere) and hands it its events. Each lead stands alone: one that fails leaves the others' events stored, so the
 * answer is settled per group, in the order of `batch.all()`.
 */
export async function ingestByLead(
  env: Env,
  batch: EventsByLead,
  scoringVersions: ReadonlyMap<string, number>,
): Promise<Array<{ group: LeadGroup; outcome: PromiseSettledResult<IngestResult> }>> {
  const groups = batch.all();
  const states = new Map<string, NamespaceState>();
  for (const id of batch.namespaceIds()) states.set(id, { scoringVersion: scoringVersions.get(id) ?? 0, deliveries: await hasDeliveryTargets(env.DB, id) });
  const settled = await Promise.allSettled(groups.map((g) => env.LEAD.getByName(g.name).ingest(g.namespaceId, g.name, g.events, states.get(g.namespaceId))));
  return groups.map((group, i) => ({ group, outcome: settled[i]! }));
}
