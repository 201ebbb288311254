import { z } from "zod";
import { normalizeEmail } from "../ingest/normalize";
import { canonicalEventName } from "../scoring/event-name";
import type { Mapped } from "./types";
import { getJson, type ApiAnswer, type Pacer } from "./http";
import type { ActivityWindow, PageResult } from "./page";

/**
 * A Lemlist activity, as its hooks POST it and `GET /activities` lists it
 * (the same object: `_id`, `type`, `leadEmail`, `campaignId`,
 * `campaignName`, `createdAt`…). Unknown fields are kept.
 */
export const lemlistActivity = z.looseObject({
  _id: z.string().min(1).optional(),
  id: z.string().min(1).optional(),
  type: z.string().min(1),
  leadEmail: z.string().optional().nullable(),
  campaignId: z.string().optional().nullable(),
  campaignName: z.string().optional().nullable(),
  createdAt: z.string().optional().nullable(),
  date: z.string().optional().nullable(),
});
export type LemlistActivity = z.output<typeof lemlistActivity>;

/** Lemlist type → canonical event name. Types not listed and not in IGNORED keep their own name, snake-cased. */
const EVENTS: Record<string, string> = {
  emailsSent: "email_sent",
  emailsOpened: "email_opened",
  emailsClicked: "email_clicked",
  emailsReplied: "email_replied",
  emailsBounced: "email_bounced",
  emailsFailed: "email_failed",
  emailsSendFailed: "email_failed",
  emailsUnsubscribed: "unsubscribed",
  emailsInterested: "interested",
  emailsNotInterested: "not_interested",
  linkedinVisitDone: "linkedin_visit",
  linkedinVisit: "linkedin_visit",
  linkedinInviteDone: "linkedin_invite",
  linkedinInviteSent: "linkedin_invite",
  linkedinInviteAccepted: "linkedin_invite_accepted",
  linkedinConnected: "linkedin_invite_accepted",
  linkedinSent: "linkedin_message_sent",
  linkedinOpened: "linkedin_message_opened",
  linkedinReplied: "linkedin_message",
  linkedinMessageAccepted: "linkedin_message",
  linkedinVoiceNoteDone: "linkedin_voice_note",
  linkedinInterested: "interested",
  linkedinNotInterested: "not_interested",
  linkedinVisitFailed: "linkedin_failed",
  linkedinInviteFailed: "linkedin_failed",
  linkedinSendFailed: "linkedin_failed",
  linkedinVoiceNoteFailed: "linkedin_failed",
  meetingBooked: "meeting_booked",
  opportunitiesDone: "meeting_booked",
  interested: "interested",
  notInterested: "not_interested",
  manualInterested: "interested",
  manualNotInterested: "not_interested",
  aircallInterested: "interested",
  aircallNotInterested: "not_interested",
  apiInterested: "interested",
  apiNotInterested: "not_interested",
  aircallDone: "call_done",
  contacted: "contacted",
  hooked: "hooked",
  attracted: "attracted",
  warmed: "warmed",
};

/** Campaign and account notices, not something a lead did. */
const IGNORED = new Set([
  "paused",
  "resumed",
  "skipped",
  "snoozed",
  "annotated",
  "customDomainErrors",
  "connectionIssue",
  "sendLimitReached",
  "lemwarmPaused",
]);

export function lemlistEventName(type: string): string | undefined {
  if (IGNORED.has(type)) return undefined;
  return EVENTS[type] ?? canonicalEventName(type);
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);

export function mapLemlistActivity(activity: LemlistActivity): Mapped {
  const event = lemlistEventName(activity.type);
  if (!event) return { skipped: `lemlist type ${activity.type} is not lead activity` };
  const lead = (activity.lead ?? {}) as Record<string, unknown>;
  const email = str(activity.leadEmail) ?? str(lead.email);
  if (!email || !email.includes("@")) return { skipped: `lemlist ${activity.type} activity without a lead email` };
  const traits: Record<string, unknown> = {
    firstName: str(activity.leadFirstName) ?? str(lead.firstName),
    lastName: str(activity.leadLastName) ?? str(lead.lastName),
    company: str(activity.leadCompanyName) ?? str(lead.companyName) ?? str(lead.company),
    linkedinUrl: str(activity.linkedinUrl) ?? str(activity.leadLinkedinUrl) ?? str(lead.linkedinUrl),
  };
  return {
    platform: "lemlist",
    event,
    rawType: activity.type,
    activityId: activity._id ?? activity.id,
    email: normalizeEmail(email),
    campaignId: activity.campaignId ?? "none",
    campaignName: activity.campaignName ?? "",
    occurredAt: str(activity.createdAt) ?? str(activity.date),
    traits: dropUndefined(traits),
    details: dropUndefined({
      sequenceStep: activity.sequenceStep,
      subject: activity.subject ?? activity.emailSubject,
      url: activity.url ?? activity.link,
      isFirst: activity.isFirst,
    }),
  };
}

export function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== null));
}

/** Lemlist lists at most 100 activities per call, newest first. */
export const LEMLIST_PAGE_MAX = 100;

export interface LemlistPosition {
  offset: number;
}

/**
 * Reads one `GET /activities` page at `position`. The list is newest first,
 * so activity after the window's end is passed over, and the first activity
 * older than its start ends the run (activity at exactly the start is kept:
 * a watermark is never a reason to skip). An activity added during the run
 * pushes the rest down by one, so a page may repeat one already seen (its
 * key makes it count once) but none is skipped.
 */
export async function readLemlistPage(
  base: string,
  apiKey: string,
  position: LemlistPosition | null,
  limit: number,
  window: ActivityWindow,
  pacer: Pacer,
): Promise<ApiAnswer<PageResult<LemlistPosition>>> {
  const offset = position?.offset ?? 0;
  const size = Math.min(limit, LEMLIST_PAGE_MAX);
  const url = `${base}/activities?offset=${offset}&limit=${size}`;
  const answer = await getJson(url, { Authorization: `Basic ${btoa(`:${apiKey}`)}` }, pacer);
  if (!answer.ok) return answer;
  const parsed = z.array(z.unknown()).safeParse(answer.value);
  if (!parsed.success) return { ok: false, error: "lemlist /activities did not answer a list", permanent: true };
  const activities: Mapped[] = [];
  let passedStart = false;
  let examined = 0;
  for (const item of parsed.data) {
    examined++;
    const one = lemlistActivity.safeParse(item);
    if (!one.success) {
      activities.push({ skipped: "lemlist activity without a type" });
      continue;
    }
    const mapped = mapLemlistActivity(one.data);
    const at = Date.parse(one.data.createdAt ?? one.data.date ?? "");
    if (window.from !== undefined && at < window.from) {
      passedStart = true;
      break;
    }
    if (window.to !== undefined && at > window.to) continue;
    activities.push(mapped);
  }
  const done = passedStart || parsed.data.length < size;
  return { ok: true, value: { activities, read: examined, next: { offset: offset + examined }, done } };
}
