import { afterEach, describe, expect, it } from "vitest";
import { api, apiSend, eventually, newTenant } from "../helpers";
import { accountOf, addAccount, addWebhookSource, hook, jobEnded, jobOf, leadByEmail, startSync } from "../outreach-helpers";
import { installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";
import { LEMLIST_KEY, SMARTLEAD_KEY, lemlistActivities, lemlistFake, smartleadFake, smartleadHook } from "../../fakes/outreach";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

describe("full sync", () => {
  it("imports 5,000 Lemlist activities across pages once each, through a 429, and leaves the cursor at the end", async () => {
    const lemlist = lemlistFake();
    // Over 100 leads: each page's activities go to their lead objects in one call per lead, so 500 leads made each
    // step five times the work, which a busy machine took minutes over; the pages and the 429 are the same.
    lemlist.activities.push(...lemlistActivities(5_000, { emails: 100 }));
    lemlist.failAt.set(2_500, [{ status: 429, body: JSON.stringify({ message: "Too many requests" }), headers: { "Retry-After": "1" } }]);
    uninstall = installFakes(lemlist);
    const t = await newTenant("sync");
    const account = await addAccount(t, "lemlist", LEMLIST_KEY);
    const started = await startSync(t, { platforms: ["lemlist"], mode: "full_historical", batchSize: 500 });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.job).toMatchObject({ status: "queued", processed: 0, total: null });

    // Queue steps and lead objects run on real time: a busy machine takes longer, never less exactly.
    const job = await jobEnded(t, started.body.job.id, 200_000);
    expect(job).toMatchObject({ status: "completed", processed: 5_000, total: 5_000, percentage: 100 });
    // The 429 is on record; it waited its Retry-After and cost no try.
    expect(job.errors.map((e: any) => e.message)).toEqual(["rate limited on /api/activities"]);
    expect(job.platforms.lemlist).toEqual({ accounts: 1, read: 5_000, imported: 5_000, duplicates: 0 });
    expect(job.accounts[0].position).toEqual({ offset: 5_000 });

    // 50 full pages, the empty page that ends the list, and the page that was refused once.
    const offsets = lemlist.offsets();
    expect(offsets.length).toBe(52);
    expect(offsets.filter((o) => o === 2_500)).toHaveLength(2);
    expect([...new Set(offsets)]).toEqual(Array.from({ length: 51 }, (_, i) => i * 100));
    console.log(`full sync: 5000 activities, 51 pages, 1 × 429, ${offsets.length} calls, ${job.accounts[0].pages} queue steps`);

    expect((await accountOf(t, account.id)).cursor).toEqual({ watermark: "2025-06-01T12:00:00.000Z" });
    await eventually(async () => {
      const stats = (await api(t, `/api/namespaces/${t.namespace}/stats`)).body;
      expect({ leads: stats.leads, events: stats.events }).toEqual({ leads: 100, events: 5_000 });
    }, 60_000, 500);
  }, 280_000);

  it("counts an activity that came by webhook and again by sync once (Lemlist and Smartlead)", async () => {
    const lemlist = lemlistFake();
    const smartlead = smartleadFake();
    const [seen, unseen] = lemlistActivities(2, { prefix: "both" });
    lemlist.activities.push(seen!, unseen!);
    smartlead.campaigns.push({
      id: 111,
      name: "OR Tracker",
      status: "ACTIVE",
      rows: [{ stats_id: "s-1", lead_email: "bob@example.com", sent_time: "2025-05-01T09:00:00Z", open_time: "2025-05-01T10:00:00Z" }],
    });
    uninstall = installFakes(lemlist, smartlead);
    const t = await newTenant("both");
    await addAccount(t, "lemlist", LEMLIST_KEY);
    await addAccount(t, "smartlead", SMARTLEAD_KEY);
    const lemlistHooks = await addWebhookSource(t, "lemlist");
    const smartleadHooks = await addWebhookSource(t, "smartlead");
    expect((await hook(lemlistHooks, seen)).body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await hook(smartleadHooks, smartleadHook("EMAIL_OPEN", { stats_id: "s-1", event_timestamp: "2025-05-01T10:00:00Z" }))).body).toMatchObject({
      accepted: 1,
      duplicates: 0,
    });

    const started = await startSync(t, { mode: "full_historical" });
    const job = await jobEnded(t, started.body.job.id);
    expect(job.status).toBe("completed");
    expect(job.platforms).toEqual({
      lemlist: { accounts: 1, read: 2, imported: 1, duplicates: 1 },
      smartlead: { accounts: 1, read: 1, imported: 1, duplicates: 1 },
    });
    const bob = await leadByEmail(t, "bob@example.com");
    expect(bob.eventCount).toBe(2); // sent, and the one open
    const lead = await leadByEmail(t, seen!.leadEmail!);
    expect(lead.eventCount).toBe(1);
  });

  it("reads every Smartlead campaign's statistics pages, and a delta afterwards adds only what is new", async () => {
    const smartlead = smartleadFake();
    const rows = (campaign: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        stats_id: `c${campaign}-${i}`,
        lead_email: `p${i % 40}@example.com`,
        sent_time: "2025-05-01T09:00:00Z",
        open_time: i % 2 === 0 ? "2025-05-01T10:00:00Z" : null,
        reply_time: i % 10 === 0 ? "2025-05-02T10:00:00Z" : null,
        is_bounced: i === 7,
      }));
    smartlead.campaigns.push({ id: 1, name: "Spring", status: "ACTIVE", rows: rows(1, 250) }, { id: 2, name: "Summer", status: "COMPLETED", rows: rows(2, 30) });
    uninstall = installFakes(smartlead);
    const t = await newTenant("sml");
    const account = await addAccount(t, "smartlead", SMARTLEAD_KEY);
    const first = await jobEnded(t, (await startSync(t, { platforms: ["smartlead"], mode: "full_historical", batchSize: 100 })).body.job.id);
    // Events: 280 sends, 140 opens, 28 replies, 2 bounces.
    expect(first).toMatchObject({ status: "completed", processed: 280, total: 280 });
    expect(first.platforms.smartlead).toEqual({ accounts: 1, read: 280, imported: 450, duplicates: 0 });
    expect((await accountOf(t, account.id)).cursor.watermark).toBe("2025-05-02T10:00:00.000Z");

    smartlead.campaigns[1]!.rows[1]!.open_time = "2025-05-03T10:00:00Z";
    const delta = await jobEnded(t, (await startSync(t, { platforms: ["smartlead"], mode: "delta_since_last" })).body.job.id);
    expect(delta.platforms.smartlead).toMatchObject({ imported: 1, duplicates: 450 });
    expect((await accountOf(t, account.id)).cursor.watermark).toBe("2025-05-03T10:00:00.000Z");
  });

  it("stops a cancelled job before its next page, and answers 409 to a second sync of a running account", async () => {
    const lemlist = lemlistFake();
    lemlist.activities.push(...lemlistActivities(1_000, { emails: 50 }));
    lemlist.gate.offset = 300;
    uninstall = installFakes(lemlist);
    const t = await newTenant("cancel");
    await addAccount(t, "lemlist", LEMLIST_KEY);
    const started = await startSync(t, { platforms: ["lemlist"], mode: "full_historical", batchSize: 100 });
    await eventually(async () => expect(lemlist.gate.arrived).toBe(true));

    const again = await startSync(t, { platforms: ["lemlist"], mode: "delta_since_last" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("sync_running");
    expect((await apiSend(t, "POST", "/api/sync/config/validate", { platforms: ["lemlist"], mode: "full_historical" })).body).toMatchObject({ valid: false });

    const cancelled = await apiSend(t, "DELETE", `/api/sync/jobs/${started.body.job.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.job.status).toBe("cancelled");
    lemlist.gate.open = true;
    // The page in flight may finish, but no further page is asked for and no progress is recorded.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(Math.max(...lemlist.offsets())).toBe(300);
    const job = await jobOf(t, started.body.job.id);
    expect(job).toMatchObject({ status: "cancelled", processed: 300 });
    expect((await apiSend(t, "DELETE", `/api/sync/jobs/${started.body.job.id}`)).status).toBe(409);
    // The account is free again.
    const next = await startSync(t, { platforms: ["lemlist"], mode: "date_range", dateRange: { from: "2025-05-31T00:00:00Z", to: "2025-06-01T00:00:00Z" } });
    expect(next.status).toBe(202);
    const ranged = await jobEnded(t, next.body.job.id);
    // Hourly activities from 2025-06-01T12:00 back: 00:00 on the 1st to 00:00 on the 31st is 25 of them.
    expect(ranged.platforms.lemlist.imported + ranged.platforms.lemlist.duplicates).toBe(25);
  });

  it("fails a page after its tries with backoff, then resumes from the last durable page and imports each activity once", async () => {
    const lemlist = lemlistFake();
    lemlist.activities.push(...lemlistActivities(2_000, { emails: 200 }));
    lemlist.failAt.set(1_000, Array.from({ length: 3 }, () => ({ status: 503, body: "upstream down" })));
    const callback = webhookReceiver();
    uninstall = installFakes(lemlist, callback);
    const t = await newTenant("resume");
    const account = await addAccount(t, "lemlist", LEMLIST_KEY);
    const started = await startSync(t, { platforms: ["lemlist"], mode: "full_historical", batchSize: 500, callbackUrl: "https://hooks.customer.fake/sync-done" });
    const failed = await jobEnded(t, started.body.job.id, 80_000);
    expect(failed).toMatchObject({ status: "failed", processed: 1_000 });
    expect(failed.errors).toHaveLength(3);
    expect(failed.errors[0].message).toContain("503");
    expect(failed.accounts[0].position).toEqual({ offset: 1_000 });
    expect((await accountOf(t, account.id)).cursor.watermark).toBeNull();
    await eventually(async () => expect(callback.requests.map((r) => JSON.parse(r.body).job.status)).toEqual(["failed"]));

    const callsBefore = lemlist.offsets().length;
    const resumed = await apiSend(t, "POST", `/api/sync/jobs/${started.body.job.id}/resume`);
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(202);
    const done = await jobEnded(t, started.body.job.id, 80_000);
    expect(done).toMatchObject({ status: "completed", processed: 2_000 });
    expect(done.platforms.lemlist).toEqual({ accounts: 1, read: 2_000, imported: 2_000, duplicates: 0 });
    expect(Math.min(...lemlist.offsets().slice(callsBefore))).toBe(1_000);
    expect((await accountOf(t, account.id)).cursor.watermark).toBe("2025-06-01T12:00:00.000Z");
    await eventually(async () => expect(callback.requests.map((r) => JSON.parse(r.body).job.status)).toEqual(["failed", "completed"]));
  }, 180_000);

  it("validates job requests field by field and keeps jobs to their namespace", async () => {
    const t = await newTenant("val");
    const bad = await startSync(t, { platforms: ["hubspot"], mode: "date_range", batchSize: 5000, callbackUrl: "ftp://x" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path).sort()).toEqual(["batchSize", "callbackUrl", "platforms.0"]);
    const noRange = await startSync(t, { mode: "date_range" });
    expect(noRange.body.error.details.map((d: any) => d.path)).toEqual(["dateRange"]);
    const backwards = await startSync(t, { mode: "date_range", dateRange: { from: "2025-02-01", to: "2025-01-01" } });
    expect(backwards.body.error.details.map((d: any) => d.path)).toEqual(["dateRange.to"]);
    expect((await startSync(t, { mode: "reset_from_date" })).body.error.details.map((d: any) => d.path)).toEqual(["resetDate"]);
    expect((await startSync(t, { mode: "full_historical" })).status).toBe(422);
    const other = await newTenant("val");
    expect((await startSync(t, { mode: "full_historical", namespaces: [other.namespace] })).status).toBe(404);
    const badAccount = await apiSend(t, "POST", "/api/accounts", { platform: "lemlist", name: "x", apiKey: "", baseUrl: "nope" });
    expect(badAccount.body.error.details.map((d: any) => d.path).sort()).toEqual(["apiKey", "baseUrl"]);
    const account = await addAccount(t, "lemlist", "a-long-lemlist-api-key-1234");
    expect((await accountOf(t, account.id)).apiKey).toBe("…1234");
    expect((await api(other, `/api/accounts/${account.id}`)).status).toBe(404);
    expect((await api(other, `/api/sync/jobs/${crypto.randomUUID()}`)).status).toBe(404);
  });
});
