import { describe, expect, it } from "vitest";
import { adminHeaders, call, eventually, leadByUserId, newTenant, send, timelineOf } from "../helpers";
import { acceptRoutedFrom, addWebhookSource, hook, leadByEmail, setKeywords } from "../outreach-helpers";
import { lemlistHook, smartleadHook } from "../../fakes/outreach";

const LEMLIST_TYPES: Record<string, string> = {
  emailsSent: "email_sent",
  emailsOpened: "email_opened",
  emailsClicked: "email_clicked",
  emailsReplied: "email_replied",
  emailsBounced: "email_bounced",
  emailsFailed: "email_failed",
  emailsUnsubscribed: "unsubscribed",
  emailsInterested: "interested",
  emailsNotInterested: "not_interested",
  interested: "interested",
  notInterested: "not_interested",
  linkedinVisitDone: "linkedin_visit",
  linkedinInviteDone: "linkedin_invite",
  linkedinInviteAccepted: "linkedin_invite_accepted",
  linkedinSent: "linkedin_message_sent",
  linkedinOpened: "linkedin_message_opened",
  linkedinReplied: "linkedin_message",
  linkedinVoiceNoteDone: "linkedin_voice_note",
  linkedinSendFailed: "linkedin_failed",
  meetingBooked: "meeting_booked",
  contacted: "contacted",
  hooked: "hooked",
  attracted: "attracted",
  warmed: "warmed",
};

const SMARTLEAD_TYPES: [string, Record<string, unknown>, string][] = [
  ["EMAIL_SENT", { stats_id: "s-sent" }, "email_sent"],
  ["EMAIL_OPEN", { stats_id: "s-open" }, "email_opened"],
  ["EMAIL_LINK_CLICK", { stats_id: "s-click", link_details: ["https://ourco.fake/pricing"] }, "email_clicked"],
  ["EMAIL_REPLY", { stats_id: "s-reply", reply_message: { text: "Sounds good" } }, "email_replied"],
  ["EMAIL_BOUNCE", { stats_id: "s-bounce" }, "email_bounced"],
  ["LEAD_UNSUBSCRIBED", { stats_id: undefined, to_email: undefined, lead_email: "bob@example.com" }, "unsubscribed"],
  ["LEAD_CATEGORY_UPDATED", { stats_id: undefined, lead_category: { old_name: null, new_name: "Interested" } }, "interested"],
  ["LEAD_CATEGORY_UPDATED", { stats_id: undefined, lead_category: { new_name: "Not Interested" }, event_timestamp: "2025-03-01T10:00:00Z" }, "not_interested"],
  ["LEAD_CATEGORY_UPDATED", { stats_id: undefined, lead_category: { new_name: "Out Of Office" }, event_timestamp: "2025-03-02T10:00:00Z" }, "lead_category_updated"],
];

describe("Lemlist webhooks", () => {
  it("maps every activity type to its canonical event on the lead keyed by email, campaign in properties", async () => {
    const t = await newTenant("lem");
    const source = await addWebhookSource(t, "lemlist");
    for (const [type, i] of Object.keys(LEMLIST_TYPES).map((type, i) => [type, i] as const)) {
      const res = await hook(source, lemlistHook({ type, leadEmail: " Jeanne@Doe.com ", createdAt: new Date(Date.now() - 100_000 + i * 1000).toISOString() }));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ accepted: 1, duplicates: 0, skipped: [] });
    }
    const lead = await eventually(async () => (await leadByEmail(t, "jeanne@doe.com")) ?? Promise.reject(new Error("not indexed yet")));
    const timeline = await timelineOf(t, lead.id);
    expect(timeline.map((e) => e.name)).toEqual(Object.values(LEMLIST_TYPES));
    expect(timeline[0].event.properties).toMatchObject({ platform: "lemlist", activityType: "emailsSent", campaignId: "cam_1", campaignName: "Campaign1" });
    expect(timeline[0].event.context.traits).toMatchObject({ email: "jeanne@doe.com", firstName: "Jeanne" });
    // Default points: opened 5, clicked 5, replied 10, LinkedIn message 10.
    expect(lead.behaviourScore).toBe(30);
  });

  it("answers 200 without storing campaign notices and activity without an email", async () => {
    const t = await newTenant("lem");
    const source = await addWebhookSource(t, "lemlist");
    const paused = await hook(source, lemlistHook({ type: "paused" }));
    const noEmail = await hook(source, lemlistHook({ type: "linkedinVisitDone", leadEmail: undefined }));
    expect(paused.body).toMatchObject({ accepted: 0, skipped: ["lemlist type paused is not lead activity"] });
    expect(noEmail.body).toMatchObject({ accepted: 0, skipped: ["lemlist linkedinVisitDone activity without a lead email"] });
  });

  it("rejects a wrong, missing or another source's secret with 401 and stores nothing", async () => {
    const t = await newTenant("lem");
    const source = await addWebhookSource(t, "lemlist");
    const other = await addWebhookSource(t, "lemlist");
    const activity = lemlistHook({ type: "emailsOpened", leadEmail: "sneaky@example.com" });
    for (const attempt of [
      await hook(source, activity, { token: "whs_wrong" }),
      await hook(source, activity, { token: null }),
      await hook(source, activity, { token: other.secret }),
      await hook({ ...source, path: `/webhooks/smartlead/${source.id}` }, activity),
      await hook({ ...source, path: `/webhooks/lemlist/${crypto.randomUUID()}` }, activity),
    ]) {
      expect(attempt.status).toBe(401);
      expect(attempt.body.error.code).toBe("unauthorized");
    }
    // The header and bearer forms are accepted.
    expect((await hook(source, activity, { token: null, headers: { "X-Leadflare-Secret": source.secret } })).status).toBe(200);
    expect((await hook(other, lemlistHook({ type: "emailsOpened", leadEmail: "ok@example.com" }), { token: null, headers: { Authorization: `Bearer ${other.secret}` } })).status).toBe(200);
    const lead = await eventually(async () => (await leadByEmail(t, "sneaky@example.com")) ?? Promise.reject(new Error("not yet")));
    expect(lead.eventCount).toBe(1);
  });

  it("counts a re-delivered webhook once", async () => {
    const t = await newTenant("lem");
    const source = await addWebhookSource(t, "lemlist");
    const activity = lemlistHook({ type: "emailsReplied", leadEmail: "again@example.com" });
    expect((await hook(source, activity)).body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await hook(source, activity)).body).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await hook(source, [activity, activity])).body).toMatchObject({ accepted: 2, duplicates: 2 });
    const lead = await eventually(async () => (await leadByEmail(t, "again@example.com")) ?? Promise.reject(new Error("not yet")));
    expect(lead.eventCount).toBe(1);
    expect(lead.behaviourScore).toBe(10);
  });

  it("names the failing field of a malformed body and stores nothing", async () => {
    const t = await newTenant("lem");
    const source = await addWebhookSource(t, "lemlist");
    const missingType = await hook(source, { _id: "act_1", leadEmail: "x@example.com", campaignId: "cam_1" });
    expect(missingType.status).toBe(400);
    expect(missingType.body.error.details.map((d: any) => d.path)).toEqual(["type"]);
    const notJson = await hook(source, "{not json");
    expect(notJson.status).toBe(400);
    // In a list, the item's index is part of the path; the valid item is not stored either.
    const list = await hook(source, [lemlistHook({ type: "emailsOpened", leadEmail: "x@example.com" }), { leadEmail: "x@example.com" }]);
    expect(list.status).toBe(400);
    expect(list.body.error.details[0].path).toBe("1.type");
    expect(await leadByEmail(t, "x@example.com")).toBeUndefined();
  });

  it("puts web activity and Lemlist activity of the same email on one lead", async () => {
    const t = await newTenant("lem");
    const source = await addWebhookSource(t, "lemlist");
    await send(t, "/v1/page", { anonymousId: "anon-9", name: "Pricing", timestamp: new Date(Date.now() - 300_000).toISOString() });
    await send(t, "/v1/identify", { userId: "user-9", anonymousId: "anon-9", traits: { email: "Nine@Example.com" }, timestamp: new Date(Date.now() - 200_000).toISOString() });
    await hook(source, lemlistHook({ type: "emailsClicked", leadEmail: "nine@example.com" }));
    // And the other order: the outreach activity first, the visitor identifies afterwards.
    await hook(source, lemlistHook({ type: "emailsOpened", leadEmail: "ten@example.com" }));
    await send(t, "/v1/identify", { userId: "user-10", traits: { email: "ten@example.com" } });

    for (const [userId, email, names] of [
      ["user-9", "nine@example.com", ["page_view", "identify", "email_clicked"]],
      ["user-10", "ten@example.com", ["email_opened", "identify"]],
    ] as const) {
      await eventually(async () => {
        const byUser = await leadByUserId(t, userId);
        const byEmail = await leadByEmail(t, email);
        expect(byEmail?.id).toBe(byUser.id);
        const timeline = await timelineOf(t, byUser.id);
        expect(timeline.filter((e) => e.type !== "merge").map((e) => e.name)).toEqual(names);
      });
    }
  });
});

describe("Smartlead webhooks", () => {
  it("maps every event type, reads secret_key from the body, and keys by stats_id", async () => {
    const t = await newTenant("sml");
    const source = await addWebhookSource(t, "smartlead");
    for (const [i, [type, fields]] of SMARTLEAD_TYPES.entries()) {
      const body = smartleadHook(type, { ...fields, secret_key: source.secret, event_timestamp: fields.event_timestamp ?? new Date(Date.now() - 100_000 + i * 1000).toISOString() });
      const res = await hook(source, body, { token: null });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ accepted: 1, duplicates: 0 });
    }
    const lead = await eventually(async () => (await leadByEmail(t, "bob@example.com")) ?? Promise.reject(new Error("not yet")));
    const timeline = await timelineOf(t, lead.id);
    expect(timeline.map((e) => e.name).sort()).toEqual(SMARTLEAD_TYPES.map(([, , name]) => name).sort());
    const click = timeline.find((e) => e.name === "email_clicked");
    expect(click.event.properties).toMatchObject({ platform: "smartlead", activityType: "EMAIL_LINK_CLICK", campaignId: "111", campaignName: "OR Tracker", activityId: "s-click" });
    // A second open of the same email (same stats_id) is the same activity.
    const reopen = await hook(source, smartleadHook("EMAIL_OPEN", { stats_id: "s-open", secret_key: source.secret }), { token: null });
    expect(reopen.body).toMatchObject({ accepted: 1, duplicates: 1 });
    const wrong = await hook(source, smartleadHook("EMAIL_OPEN", { stats_id: "s-x", secret_key: "nope" }), { token: null });
    expect(wrong.status).toBe(401);
  });

  it("accepts the newer `event` / `lead.email` payload shape", async () => {
    const t = await newTenant("sml");
    const source = await addWebhookSource(t, "smartlead");
    const res = await hook(source, {
      event: "EMAIL_REPLIED",
      timestamp: "2025-01-15T10:30:00Z",
      campaign_id: 123,
      campaign_name: "Cold Outreach Q1",
      lead_id: 789,
      lead: { email: "Jane@Example.com", first_name: "Jane", last_name: "Doe", company_name: "Acme Corp" },
      stats_id: "s-9",
    });
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const lead = await eventually(async () => (await leadByEmail(t, "jane@example.com")) ?? Promise.reject(new Error("not yet")));
    const [entry] = await timelineOf(t, lead.id);
    expect(entry).toMatchObject({ name: "email_replied", timestamp: "2025-01-15T10:30:00.000Z" });
    expect(entry.event.context.traits).toMatchObject({ firstName: "Jane", lastName: "Doe", company: "Acme Corp" });
  });
});

describe("keyword routing", () => {
  it("routes a campaign to the namespace of its longest whole-word keyword, else the source's namespace", async () => {
    const home = await newTenant("home");
    const acme = await newTenant("acme");
    const acmeEu = await newTenant("acme-eu");
    expect((await setKeywords(acme.namespace, ["ACME Corp", "acme"])).status).toBe(200);
    expect((await setKeywords(acmeEu.namespace, ["acme corp eu"])).status).toBe(200);
    // Both accept activity routed from the hub namespace that owns the webhook.
    for (const t of [acme, acmeEu]) expect((await acceptRoutedFrom(t.namespace, [home.namespace])).status).toBe(200);
    const source = await addWebhookSource(home, "lemlist");

    const cases: [string, typeof home][] = [
      ["ACME Corp Q1 outreach", acme],
      ["acme-corp: relaunch in the EU", acme],
      ["Q2 ACME CORP EU push", acmeEu],
      ["Acmecorp Q1", home],
      ["Academic outreach", home],
    ];
    for (const [i, [campaignName]] of cases.entries()) {
      await hook(source, lemlistHook({ type: "emailsOpened", leadEmail: `route-${i}@example.com`, campaignName }));
    }
    for (const [i, [, expected]] of cases.entries()) {
      const lead = await eventually(async () => (await leadByEmail(expected, `route-${i}@example.com`)) ?? Promise.reject(new Error(`route-${i} not in ${expected.namespace}`)));
      expect(lead.namespaceId).toBe(expected.namespaceId);
      for (const other of [home, acme, acmeEu].filter((x) => x !== expected)) expect(await leadByEmail(other, `route-${i}@example.com`)).toBeUndefined();
    }
  });

  it("keeps keywords on namespaces: create with them, read, replace, refuse one another namespace holds", async () => {
    const name = `kw-${crypto.randomUUID().slice(0, 8)}`;
    const created = await call("/api/namespaces", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name, keywords: ["  Big   Deal ", "big deal", "bd"] }) });
    expect(created.status).toBe(201);
    expect(((await created.json()) as any).namespace.keywords).toEqual(["big deal", "bd"]);
    const read = (await (await call(`/api/namespaces/${name}`, { headers: adminHeaders() })).json()) as any;
    expect(read.namespace.keywords.sort()).toEqual(["bd", "big deal"]);
    const other = await newTenant("kw");
    const taken = await setKeywords(other.namespace, ["Big Deal"]);
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("keyword_taken");
    const bad = await setKeywords(other.namespace, ["--"]);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("keywords.0");
    expect((await setKeywords(name, ["other"])).body.namespace.keywords).toEqual(["other"]);
    expect((await setKeywords(other.namespace, ["big deal"])).status).toBe(200);
    const list = (await (await call("/api/namespaces", { headers: adminHeaders() })).json()) as any;
    expect(list.namespaces.find((n: any) => n.name === other.namespace).keywords).toEqual(["big deal"]);
    // An empty namespace can be deleted; one with sources cannot.
    expect((await call(`/api/namespaces/${name}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(200);
    const refused = await call(`/api/namespaces/${other.namespace}`, { method: "DELETE", headers: adminHeaders() });
    expect(refused.status).toBe(409);
    expect((await call(`/api/namespaces/${name}`, { headers: adminHeaders() })).status).toBe(404);
  });
});
