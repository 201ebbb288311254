import { sha256Hex } from "../http/crypto";
import type { OutreachActivity } from "./types";

/**
 * The messageId of an outreach event: the same activity always gets the same
 * key, whether a webhook or a sync brought it, and however often. Built from
 * platform, campaign, event and the tool's activity id; without an id, from
 * the email and the time the tool gave.
 */
export async function outreachEventKey(activity: OutreachActivity): Promise<string> {
  const identity = activity.activityId !== undefined ? `id:${activity.activityId}` : `email:${activity.email}|at:${activity.occurredAt ?? ""}`;
  const parts = [activity.platform, activity.campaignId, activity.event, identity];
  return `${activity.platform}-${(await sha256Hex(parts.join("\u001f"))).slice(0, 40)}`;
}
