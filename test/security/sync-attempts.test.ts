/**
 * Issue 15, item 5: a sync whose first page fails. The try counter compared
 * the stored position (SQL null) with the text "null", so every failed first
 * page counted as progress and reset it: the job stayed in_progress forever,
 * retried every ~2 s without backoff, and kept the account busy.
 */
import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { newTenant } from "../workers/helpers";
import { addAccount, jobEnded, startSync } from "../workers/outreach-helpers";
import { installFakes } from "../fakes/fake-service";
import { LEMLIST_KEY, lemlistActivities, lemlistFake } from "../fakes/outreach";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

describe("sync attempts", () => {
  it("fails a job whose first page never loads after SYNC_MAX_ATTEMPTS tries, with growing delays", async () => {
    const lemlist = lemlistFake();
    lemlist.activities.push(...lemlistActivities(10, { emails: 2 }));
    // More failures than the job may try: before the fix it tried for ever.
    lemlist.failAt.set(0, Array.from({ length: 20 }, () => ({ status: 503, body: "upstream down" })));
    uninstall = installFakes(lemlist);
    const t = await newTenant("first-page");
    await addAccount(t, "lemlist", LEMLIST_KEY);
    const started = await startSync(t, { platforms: ["lemlist"], mode: "full_historical" });
    const job = await jobEnded(t, started.body.job.id, 30_000);
    expect(job.status).toBe("failed");
    expect(job.errors).toHaveLength(Number(env.SYNC_MAX_ATTEMPTS));
    expect(job.processed).toBe(0);
    const attempts = await env.DB.prepare("SELECT attempts FROM sync_tasks WHERE job_id = ?").bind(started.body.job.id).first<{ attempts: number }>();
    expect(attempts?.attempts).toBe(Number(env.SYNC_MAX_ATTEMPTS));
    // The tries are spaced by the backoff, which grows: each gap is at least the base delay.
    const times = job.errors.map((e: any) => Date.parse(e.at));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(Number(env.SYNC_BACKOFF_BASE_MS) / 2);
  });

  it("fails a job against an unreachable base URL, and the account is free for the next job", async () => {
    uninstall = installFakes(lemlistFake());
    const t = await newTenant("unreachable");
    await addAccount(t, "lemlist", LEMLIST_KEY, { baseUrl: "https://unreachable.fake/api" });
    const started = await startSync(t, { platforms: ["lemlist"], mode: "full_historical" });
    const job = await jobEnded(t, started.body.job.id, 30_000);
    expect(job.status).toBe("failed");
    const next = await startSync(t, { platforms: ["lemlist"], mode: "full_historical" });
    expect(next.status).toBe(202);
    expect((await jobEnded(t, next.body.job.id, 30_000)).status).toBe("failed");
  });
});
