import { afterEach, describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { api, eventually, newTenant } from "../helpers";
import { accountOf, addAccount, jobEnded, startSync } from "../outreach-helpers";
import { installFakes } from "../../fakes/fake-service";
import { LEMLIST_KEY, SMARTLEAD_KEY, lemlistActivities, lemlistFake, smartleadFake } from "../../fakes/outreach";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

async function runCron() {
  // The Worker's own scheduled handler, as the Cron Trigger calls it.
  const worker = exports.default as unknown as { scheduled(options: { scheduledTime: Date; cron: string }): Promise<void> };
  await worker.scheduled({ scheduledTime: new Date(), cron: "*/15 * * * *" });
}

describe("scheduled delta sync", () => {
  it("queues a delta sync per idle account from its cursor, skips a busy one, and the next run reads only what is new", async () => {
    const lemlist = lemlistFake();
    const busyLemlist = lemlistFake("busy-lemlist.fake");
    const smartlead = smartleadFake();
    lemlist.activities.push(...lemlistActivities(300, { emails: 30 }));
    busyLemlist.activities.push(...lemlistActivities(500, { emails: 10, prefix: "busy" }));
    busyLemlist.gate.offset = 0;
    smartlead.campaigns.push({ id: 5, name: "Autumn", status: "ACTIVE", rows: [{ stats_id: "a-1", lead_email: "fall@example.com", sent_time: "2025-05-01T09:00:00Z" }] });
    uninstall = installFakes(lemlist, busyLemlist, smartlead);

    const t = await newTenant("cron");
    const lemlistAccount = await addAccount(t, "lemlist", LEMLIST_KEY);
    const smartleadAccount = await addAccount(t, "smartlead", SMARTLEAD_KEY);
    const other = await newTenant("cron");
    const busyAccount = await addAccount(other, "lemlist", LEMLIST_KEY, { baseUrl: "https://busy-lemlist.fake/api" });
    const running = await startSync(other, { mode: "full_historical" });
    await eventually(async () => expect(busyLemlist.gate.arrived).toBe(true));

    await runCron();
    const cronJobs = (await api(t, "/api/sync/jobs")).body.jobs;
    expect(cronJobs.map((j: any) => [j.trigger, j.mode, j.accounts[0].accountId]).sort()).toEqual(
      [
        ["cron", "delta_since_last", lemlistAccount.id],
        ["cron", "delta_since_last", smartleadAccount.id],
      ].sort(),
    );
    // The busy account got no second job.
    expect((await api(other, "/api/sync/jobs")).body.jobs.map((j: any) => j.id)).toEqual([running.body.job.id]);
    // Local queues hand out one batch at a time, so the held page is let go before waiting on the others.
    busyLemlist.gate.open = true;

    for (const job of cronJobs) expect((await jobEnded(t, job.id)).status).toBe("completed");
    expect((await accountOf(t, lemlistAccount.id)).cursor.watermark).toBe("2025-06-01T12:00:00.000Z");
    expect((await accountOf(t, smartleadAccount.id)).cursor.watermark).toBe("2025-05-01T09:00:00.000Z");
    expect(lemlist.offsets()).toEqual([0, 100, 200, 300]);

    // Two new activities, newer than the cursor: the next run reads one page and stops at the cursor.
    lemlist.activities.push(...lemlistActivities(2, { emails: 2, prefix: "new", newest: Date.parse("2025-06-01T14:00:00Z") }));
    await runCron();
    const jobs = (await api(t, "/api/sync/jobs")).body.jobs;
    expect(jobs).toHaveLength(4);
    const lemlistJob = jobs.find((j: any) => j.accounts[0].accountId === lemlistAccount.id && !cronJobs.some((c: any) => c.id === j.id));
    const ended = await jobEnded(t, lemlistJob.id);
    // The overlap of an hour behind the cursor re-reads the newest old activity; it counts once.
    expect(ended.platforms.lemlist).toEqual({ accounts: 1, read: 5, imported: 2, duplicates: 2 });
    expect(lemlist.offsets().slice(4)).toEqual([0]);
    expect((await accountOf(t, lemlistAccount.id)).cursor.watermark).toBe("2025-06-01T14:00:00.000Z");

    expect((await jobEnded(other, running.body.job.id)).status).toBe("completed");
    expect((await accountOf(other, busyAccount.id)).cursor.watermark).toBe("2025-06-01T12:00:00.000Z");
  });
});
