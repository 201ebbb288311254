/** Reading core leads for the seed adapters: a seed's lead id is the core lead id, or the userId or anonymousId it was sent under. */
import type { LeadSummary, TimelineEntry, TimelinePage } from "../contracts/lead-rpc";
import { findLeadByIdentity } from "../db/identities";
import { leadStub } from "../leads/lead-stub";

const CORE_LEAD_ID = /^[0-9a-f]{64}$/;
/** A seed timeline is one array; a lead with more entries shows its first ones. */
const MAX_TIMELINE_ENTRIES = 5000;

/** The core lead id behind a seed's id, within the namespace (another namespace's lead is not found); a merged-away id finds the lead it joined. */
export async function resolveSeedLead(env: Env, namespaceId: string, seedId: string): Promise<{ leadId: string; lead: LeadSummary } | null> {
  const leadId = CORE_LEAD_ID.test(seedId)
    ? seedId
    : ((await findLeadByIdentity(env.DB, namespaceId, { kind: "userId", value: seedId })) ??
      (await findLeadByIdentity(env.DB, namespaceId, { kind: "anonymousId", value: seedId })));
  if (!leadId) return null;
  let lead: LeadSummary | null;
  try {
    lead = await leadStub(env, leadId).summary();
  } catch (error) {
    if (error instanceof TypeError) return null; // 64 hex characters, but not an id of the lead objects
    throw error;
  }
  return lead && lead.namespaceId === namespaceId ? { leadId, lead } : null;
}

/** The whole timeline (up to MAX_TIMELINE_ENTRIES), oldest first. */
export async function wholeTimeline(env: Env, leadId: string): Promise<TimelineEntry[]> {
  const entries: TimelineEntry[] = [];
  let cursor: string | undefined;
  do {
    const page: TimelinePage = await leadStub(env, leadId).timeline(1000, cursor);
    entries.push(...page.entries);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && entries.length < MAX_TIMELINE_ENTRIES);
  return entries.slice(0, MAX_TIMELINE_ENTRIES);
}
