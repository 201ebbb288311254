import { FakeService } from "./fake-service";

/**
 * Imitations of the Lemlist and Smartlead APIs and of the webhooks they send,
 * in the shapes their docs give (Lemlist: `GET /api/activities`, newest
 * first, offset/limit ≤ 100, Basic auth with the key as password; Smartlead:
 * `GET /api/v1/campaigns` and `/campaigns/{id}/statistics?offset&limit`, key in `?api_key=`).
 */

export interface LemlistActivityFake {
  _id: string;
  type: string;
  leadEmail?: string;
  leadFirstName?: string;
  campaignId: string;
  campaignName: string;
  createdAt: string;
  [key: string]: unknown;
}

export const LEMLIST_KEY = "lemlist-key";
export const SMARTLEAD_KEY = "smartlead-key";

export function lemlistFake(host = "lemlist.fake") {
  const activities: LemlistActivityFake[] = [];
  /** Answers to give instead of the page at an offset, one per call, in order (built when asked: a Response belongs to one request). */
  const failAt = new Map<number, { status: number; body?: string; headers?: Record<string, string> }[]>();
  /**
   * A call for this offset waits until `open` is set, and sets `arrived`.
   * Flags, not promises: a promise resolved from another request's context does not wake its waiter in workerd.
   */
  const gate = { offset: -1, arrived: false, open: false };
  const fake = new FakeService(host, async (r) => {
    const offsetAsked = Number(r.url.searchParams.get("offset") ?? "0");
    const planned = failAt.get(offsetAsked)?.shift();
    if (planned) return new Response(planned.body ?? "", { status: planned.status, headers: planned.headers });
    if (offsetAsked === gate.offset) {
      gate.arrived = true;
      while (!gate.open) await new Promise((r) => setTimeout(r, 20));
    }
    const auth = r.headers.get("Authorization") ?? "";
    const key = auth.startsWith("Basic ") ? atob(auth.slice(6)).split(":")[1] : r.url.searchParams.get("access_token");
    if (key !== LEMLIST_KEY) return Response.json({ message: "Invalid api key" }, { status: 401 });
    if (r.url.pathname !== "/api/activities") return Response.json({ message: "not found" }, { status: 404 });
    const offset = Number(r.url.searchParams.get("offset") ?? "0");
    const limit = Math.min(Number(r.url.searchParams.get("limit") ?? "100"), 100);
    const newestFirst = [...activities].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b._id.localeCompare(a._id));
    return Response.json(newestFirst.slice(offset, offset + limit));
  });
  /** The offsets asked for, in order (failed calls not included). */
  const offsets = () => fake.requests.map((r) => Number(r.url.searchParams.get("offset")));
  return Object.assign(fake, { activities, offsets, failAt, gate });
}

export interface SmartleadRowFake {
  stats_id: string;
  lead_email: string;
  lead_name?: string;
  sequence_number?: number;
  email_subject?: string;
  sent_time?: string | null;
  open_time?: string | null;
  click_time?: string | null;
  reply_time?: string | null;
  is_unsubscribed?: boolean;
  is_bounced?: boolean;
}

export function smartleadFake(host = "smartlead.fake") {
  const campaigns: { id: number; name: string; status: string; rows: SmartleadRowFake[] }[] = [];
  const fake = new FakeService(host, (r) => {
    if (r.url.searchParams.get("api_key") !== SMARTLEAD_KEY) return Response.json({ message: "Invalid API key" }, { status: 401 });
    const path = r.url.pathname.replace(/^\/api\/v1/, "");
    if (path === "/campaigns") return Response.json(campaigns.map(({ id, name, status }) => ({ id, name, status, created_at: "2025-01-01T00:00:00Z" })));
    const match = /^\/campaigns\/(\d+)\/statistics$/.exec(path);
    const campaign = match && campaigns.find((c) => c.id === Number(match[1]));
    if (!campaign) return Response.json({ message: "not found" }, { status: 404 });
    const offset = Number(r.url.searchParams.get("offset") ?? "0");
    const limit = Number(r.url.searchParams.get("limit") ?? "100");
    return Response.json({ total_stats: campaign.rows.length, data: campaign.rows.slice(offset, offset + limit), offset, limit });
  });
  return Object.assign(fake, { campaigns });
}

/** What a Lemlist hook POSTs: the activity itself. */
export function lemlistHook(activity: Partial<LemlistActivityFake> & { type: string }): LemlistActivityFake {
  return {
    _id: `act_${crypto.randomUUID().slice(0, 12)}`,
    leadEmail: "jeanne@doe.com",
    leadFirstName: "Jeanne",
    campaignId: "cam_1",
    campaignName: "Campaign1",
    createdAt: new Date(Date.now() - 60_000).toISOString(),
    isFirst: true,
    teamId: "tea_1",
    ...activity,
  };
}

/** What a Smartlead webhook POSTs (the fields of its documented payloads). */
export function smartleadHook(eventType: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    webhook_id: 17,
    webhook_name: "leadflare",
    stats_id: "stats-1",
    event_type: eventType,
    event_timestamp: new Date(Date.now() - 60_000).toISOString(),
    from_email: "sales@ourco.fake",
    to_email: "bob@example.com",
    to_name: "Bob",
    subject: "Quick question",
    campaign_id: 111,
    campaign_name: "OR Tracker",
    campaign_status: "ACTIVE",
    sequence_number: 1,
    sent_message: { message_id: "<m1@ourco.fake>", html: "<div>hi</div>", text: "hi", time: new Date().toISOString() },
    secret_key: "",
    ...fields,
  };
}

/** `count` Lemlist activities for `emails` leads, one per hour going back from `newest`, types taken in turn. */
export function lemlistActivities(count: number, { emails = 100, newest = Date.parse("2025-06-01T12:00:00Z"), campaignName = "Campaign1", prefix = "act" } = {}): LemlistActivityFake[] {
  const types = ["emailsSent", "emailsOpened", "emailsClicked", "emailsReplied", "linkedinVisitDone"];
  return Array.from({ length: count }, (_, i) => ({
    _id: `${prefix}_${String(i).padStart(6, "0")}`,
    type: types[i % types.length]!,
    leadEmail: `lead-${i % emails}@example.com`,
    campaignId: "cam_1",
    campaignName,
    createdAt: new Date(newest - i * 3_600_000).toISOString(),
  }));
}
