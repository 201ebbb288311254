import { arrivalOrder, IMPORT_HISTORY_MS, type LeadEvent } from "../ingest/normalize";
import { leadObjectName } from "../ingest/lead-name";
import { EventsByLead, ingestByLead } from "../ingest/door";
import type { IngestResult } from "../contracts/lead-rpc";
import { loadRoutingKeywords, scoringVersions } from "./store";
import { outreachEventKey } from "./event-key";
import { routeCampaign, type RoutingKeyword } from "./routing";
import type { OutreachActivity } from "./types";

export interface OutreachOutcome {
  /** Every event taken, new or already there (as the ingest API counts them). */
  accepted: number;
  duplicates: number;
  /** Events per namespace id. */
  byNamespace: Record<string, number>;
  /** Activities left out because they route to none of `onlyTo`. */
  skipped: number;
}

/**
 * Hands outreach activity to its leads and returns once every event is
 * durable in its lead object. Each activity goes to the namespace its
 * campaign name routes to among those accepting `defaultNamespaceId` (the
 * namespace whose sync or webhook brought it), else to `defaultNamespaceId`
 * itself; `keywords` must be loadRoutingKeywords(defaultNamespaceId). To the lead whose home
 * is its email; an email identity joins it with web activity of the same
 * person by the lead objects' merge protocol. With `onlyTo` (namespace ids),
 * only the activities routed to one of them are kept; the others are skipped.
 */
export async function ingestOutreach(
  env: Env,
  defaultNamespaceId: string,
  activities: readonly OutreachActivity[],
  keywords?: readonly RoutingKeyword[],
  onlyTo?: readonly string[],
): Promise<OutreachOutcome> {
  if (activities.length === 0) return { accepted: 0, duplicates: 0, byNamespace: {}, skipped: 0 };
  const routing = keywords ?? (await loadRoutingKeywords(env.DB, defaultNamespaceId));
  const receivedAt = Date.now();
  const byLead = new EventsByLead();
  const byNamespace: Record<string, number> = {};
  let skipped = 0;
  for (const [index, activity] of activities.entries()) {
    const namespaceId = routeCampaign(activity.campaignName, routing) ?? defaultNamespaceId;
    if (onlyTo && !onlyTo.includes(namespaceId)) {
      skipped++;
      continue;
    }
    const leadEvent = await toLeadEvent(activity, receivedAt);
    const event = { ...leadEvent, order: arrivalOrder(receivedAt, index, leadEvent.messageId) };
    const name = leadObjectName(namespaceId, "email", activity.email);
    byLead.add(namespaceId, name, event, index);
    byNamespace[namespaceId] = (byNamespace[namespaceId] ?? 0) + 1;
  }
  const settled = await ingestByLead(env, byLead, await scoringVersions(env.DB, byLead.namespaceIds()));
  // Unlike the ingest API's answer, a sync step or webhook is retried whole (lead objects dedupe what they already hold).
  const failed = settled.find((s) => s.outcome.status === "rejected");
  if (failed?.outcome.status === "rejected") throw failed.outcome.reason;
  const results = settled.map((s) => (s.outcome as PromiseFulfilledResult<IngestResult>).value);
  return {
    accepted: results.reduce((n, r) => n + r.accepted + r.duplicates, 0),
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
    byNamespace,
    skipped,
  };
}

/** A track event on the lead, shaped like any Segment track call so destinations and timelines treat it alike. */
async function toLeadEvent(activity: OutreachActivity, receivedAt: number): Promise<LeadEvent> {
  const messageId = await outreachEventKey(activity);
  const occurred = Date.parse(activity.occurredAt ?? "");
  // A time in the future is clamped like a client's skewed clock would be; one
  // older than the import window is taken as no time at all (received now).
  const timestamp =
    Number.isNaN(occurred) || occurred < receivedAt - IMPORT_HISTORY_MS ? receivedAt : Math.min(occurred, receivedAt + 24 * 60 * 60 * 1000);
  const body = {
    type: "track",
    event: activity.event,
    messageId,
    properties: {
      platform: activity.platform,
      activityType: activity.rawType,
      ...(activity.activityId !== undefined ? { activityId: activity.activityId } : {}),
      campaignId: activity.campaignId,
      campaignName: activity.campaignName,
      ...activity.details,
    },
    context: { traits: { email: activity.email, ...activity.traits }, library: { name: `leadflare-${activity.platform}` } },
    timestamp: new Date(timestamp).toISOString(),
    receivedAt: new Date(receivedAt).toISOString(),
  };
  return { messageId, type: "track", name: activity.event, timestamp, receivedAt, identities: [{ kind: "email", value: activity.email }], body: JSON.stringify(body) };
}
