import { z } from "zod";
import { normalizeEmail } from "../ingest/normalize";
import type { Mapped, OutreachActivity } from "./types";
import { dropUndefined } from "./lemlist";
import { getJson, type ApiAnswer, type Pacer } from "./http";
import type { ActivityWindow, PageResult } from "./page";

const id = z.union([z.string(), z.number()]).transform(String);
const text = z.string().optional().nullable();

/**
 * A Smartlead webhook body. Smartlead has renamed fields over time (to_email
 * for lead_email, event_timestamp for time_sent…) and its newer docs show an
 * `event` / `lead.email` shape, so all of them are read.
 */
export const smartleadWebhook = z.looseObject({
  event_type: z.string().min(1).optional(),
  event: z.string().min(1).optional(),
  campaign_id: id.optional().nullable(),
  campaign_name: text,
  stats_id: id.optional().nullable(),
  to_email: text,
  lead_email: text,
  sl_lead_email: text,
  event_timestamp: text,
  timestamp: text,
  secret_key: text,
}).refine((b) => b.event_type !== undefined || b.event !== undefined, { message: "event_type is required", path: ["event_type"] });
export type SmartleadWebhook = z.output<typeof smartleadWebhook>;

const EVENTS: Record<string, string> = {
  EMAIL_SENT: "email_sent",
  FIRST_EMAIL_SENT: "email_sent",
  EMAIL_OPEN: "email_opened",
  EMAIL_OPENED: "email_opened",
  EMAIL_LINK_CLICK: "email_clicked",
  EMAIL_CLICKED: "email_clicked",
  EMAIL_REPLY: "email_replied",
  EMAIL_REPLIED: "email_replied",
  EMAIL_BOUNCE: "email_bounced",
  EMAIL_BOUNCED: "email_bounced",
  LEAD_UNSUBSCRIBED: "unsubscribed",
  EMAIL_UNSUBSCRIBED: "unsubscribed",
  LEAD_CATEGORY_UPDATED: "lead_category_updated",
};

/** Lead categories with a meaning for scoring; any other category update stays `lead_category_updated`. */
const CATEGORIES: Record<string, string> = {
  interested: "interested",
  "not interested": "not_interested",
  "meeting request": "meeting_booked",
  "meeting booked": "meeting_booked",
};

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});

/**
 * One activity per email: its id is the email's `stats_id`, which the
 * statistics API gives too, so a webhook and a sync of the same open count
 * once (and so do further opens of that email). An unsubscribe happens once
 * per lead and campaign, so the email is its id.
 */
function activityIdFor(event: string, statsId: string | undefined, email: string): string | undefined {
  if (event === "unsubscribed") return `unsubscribed:${email}`;
  if (event === "lead_category_updated" || event === "interested" || event === "not_interested" || event === "meeting_booked") return undefined;
  return statsId;
}

export function mapSmartleadWebhook(body: SmartleadWebhook): Mapped {
  const rawType = (body.event_type ?? body.event)!;
  let event = EVENTS[rawType.toUpperCase()];
  if (!event) return { skipped: `smartlead ${rawType} is not lead activity` };
  const lead = { ...obj(body.lead), ...obj(body.lead_data) };
  const email = str(body.to_email) ?? str(body.lead_email) ?? str(body.sl_lead_email) ?? str(lead.email);
  if (!email || !email.includes("@")) return { skipped: `smartlead ${rawType} without a lead email` };
  const category = str(obj(body.lead_category).new_name) ?? str(body.category);
  if (event === "lead_category_updated" && category) event = CATEGORIES[category.toLowerCase()] ?? event;
  const normalized = normalizeEmail(email);
  return {
    platform: "smartlead",
    event,
    rawType,
    activityId: activityIdFor(event, body.stats_id ?? undefined, normalized),
    email: normalized,
    campaignId: body.campaign_id ?? "none",
    campaignName: body.campaign_name ?? "",
    occurredAt: str(body.event_timestamp) ?? str(body.timestamp) ?? str(body.time_sent) ?? str(body.time_opened) ?? str(body.time_clicked) ?? str(body.time_replied),
    traits: dropUndefined({
      name: str(body.to_name) ?? str(body.lead_name),
      firstName: str(lead.first_name),
      lastName: str(lead.last_name),
      company: str(lead.company_name),
      linkedinUrl: str(lead.linkedin_profile),
    }),
    details: dropUndefined({
      sequenceNumber: body.sequence_number,
      subject: str(body.subject),
      url: str(body.link_details) ?? str(body.link_clicked),
      category,
    }),
  };
}

/** A row of `GET /campaigns/{id}/statistics`: one email sent to a lead, with what the lead did with it. */
const statisticsRow = z.looseObject({
  stats_id: id,
  lead_email: z.string(),
  lead_name: text,
  sequence_number: z.number().optional().nullable(),
  email_subject: text,
  sent_time: text,
  open_time: text,
  click_time: text,
  reply_time: text,
  is_unsubscribed: z.boolean().optional().nullable(),
  is_bounced: z.boolean().optional().nullable(),
});
type StatisticsRow = z.output<typeof statisticsRow>;

/** A statistics row becomes one activity per thing it records, each keyed like its webhook. */
export function mapStatisticsRow(row: StatisticsRow, campaign: { id: string; name: string }): OutreachActivity[] {
  const email = normalizeEmail(row.lead_email);
  const base = {
    platform: "smartlead" as const,
    email,
    campaignId: campaign.id,
    campaignName: campaign.name,
    traits: dropUndefined({ name: str(row.lead_name) }),
    details: dropUndefined({ sequenceNumber: row.sequence_number, subject: str(row.email_subject) }),
  };
  const found: [string, string, string | undefined][] = [];
  if (row.sent_time) found.push(["email_sent", "EMAIL_SENT", row.sent_time]);
  if (row.open_time) found.push(["email_opened", "EMAIL_OPEN", row.open_time]);
  if (row.click_time) found.push(["email_clicked", "EMAIL_LINK_CLICK", row.click_time]);
  if (row.reply_time) found.push(["email_replied", "EMAIL_REPLY", row.reply_time]);
  // The row does not say when a bounce or unsubscribe happened; the send is the best known time.
  if (row.is_bounced) found.push(["email_bounced", "EMAIL_BOUNCE", row.sent_time ?? undefined]);
  if (row.is_unsubscribed) found.push(["unsubscribed", "LEAD_UNSUBSCRIBED", row.sent_time ?? undefined]);
  return found.map(([event, rawType, occurredAt]) => ({ ...base, event, rawType, occurredAt, activityId: activityIdFor(event, row.stats_id, email) }));
}

/** Smartlead's statistics pages hold at most 100 rows. */
export const SMARTLEAD_PAGE_MAX = 100;

export interface SmartleadPosition {
  campaigns: { id: string; name: string }[];
  /** The campaign being read, and the row offset in it. */
  index: number;
  offset: number;
}

const campaignList = z.array(z.looseObject({ id, name: z.string().optional().nullable() }));
const statisticsPage = z.looseObject({ total_stats: z.coerce.number().optional(), data: z.array(z.unknown()) });

/**
 * Smartlead has no account-wide activity list: the first page lists the
 * campaigns, then each campaign's statistics are read page by page. Rows
 * change after they are written (an open fills `open_time`), so every run
 * reads them all, and keys make what was seen before count once; only a
 * date range filters by time.
 */
export async function readSmartleadPage(
  base: string,
  apiKey: string,
  position: SmartleadPosition | null,
  limit: number,
  window: ActivityWindow,
  pacer: Pacer,
): Promise<ApiAnswer<PageResult<SmartleadPosition>>> {
  const key = `api_key=${encodeURIComponent(apiKey)}`;
  if (position === null) {
    const answer = await getJson(`${base}/campaigns?${key}`, {}, pacer);
    if (!answer.ok) return answer;
    const parsed = campaignList.safeParse(answer.value);
    if (!parsed.success) return { ok: false, error: "smartlead /campaigns did not answer a list of campaigns", permanent: true };
    const campaigns = parsed.data.map((c) => ({ id: c.id, name: c.name ?? "" }));
    return { ok: true, value: { activities: [], read: 0, next: { campaigns, index: 0, offset: 0 }, done: campaigns.length === 0 } };
  }
  const campaign = position.campaigns[position.index]!;
  const size = Math.min(limit, SMARTLEAD_PAGE_MAX);
  const answer = await getJson(`${base}/campaigns/${encodeURIComponent(campaign.id)}/statistics?${key}&offset=${position.offset}&limit=${size}`, {}, pacer);
  if (!answer.ok) return answer;
  const page = statisticsPage.safeParse(answer.value);
  if (!page.success) return { ok: false, error: `smartlead statistics of campaign ${campaign.id} did not answer { data: [] }`, permanent: true };
  const activities: Mapped[] = [];
  for (const item of page.data.data) {
    const row = statisticsRow.safeParse(item);
    if (!row.success) {
      activities.push({ skipped: "smartlead statistics row without stats_id or lead_email" });
      continue;
    }
    for (const activity of mapStatisticsRow(row.data, campaign)) {
      const at = Date.parse(activity.occurredAt ?? "");
      if ((window.from !== undefined && at < window.from) || (window.to !== undefined && at > window.to)) continue;
      activities.push(activity);
    }
  }
  const read = page.data.data.length;
  const lastCampaign = position.index + 1 >= position.campaigns.length;
  const campaignDone = read < size;
  const next: SmartleadPosition =
    campaignDone && !lastCampaign ? { ...position, index: position.index + 1, offset: 0 } : { ...position, offset: position.offset + read };
  const totalHint = position.offset === 0 ? page.data.total_stats : undefined;
  return { ok: true, value: { activities, read, next, done: campaignDone && lastCampaign, totalHint } };
}
