import { afterEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { adminHeaders, call, eventually, leadByUserId, newTenant, send, timelineOf, type Tenant } from "../helpers";
import { leadObjectName } from "../../../src/ingest/lead-name";

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

async function setRetention(t: Tenant, retentionDays: number | null) {
  const res = await call(`/api/namespaces/${t.namespace}/settings`, { method: "PATCH", headers: adminHeaders(), body: JSON.stringify({ retentionDays }) });
  expect(res.status).toBe(200);
  return res.json() as Promise<any>;
}

/** The same history in each tenant: two old events (20 days ago) and a recent one. */
async function history(t: Tenant) {
  const at = (daysAgo: number, plusMs = 0) => new Date(Date.now() - daysAgo * DAY + plusMs).toISOString();
  await send(t, "/v1/track", { userId: "pat", event: "Demo Request", messageId: "old-1", timestamp: at(20) });
  await send(t, "/v1/track", { userId: "pat", event: "Pricing Page", messageId: "old-2", timestamp: at(20, 1000) });
  await send(t, "/v1/track", { userId: "pat", event: "Signup", messageId: "recent", timestamp: at(2) });
}

describe("retention", () => {
  it("prunes events older than the namespace's retention on the lead's alarm; score, stage and grade stay as they were", async () => {
    const kept = await newTenant(); // no retention: the reference
    const pruned = await newTenant();
    expect((await setRetention(pruned, 30)).retentionDays).toBe(30);
    await history(kept);
    await history(pruned);
    const before = await leadByUserId(pruned, "pat");
    expect(before.eventCount).toBe(3);

    // 15 days later: the two old events are 35 days old, the recent one 17.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 15 * DAY);
    for (const t of [kept, pruned]) await runDurableObjectAlarm(env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "pat")));

    const reference = await leadByUserId(kept, "pat");
    const after = await leadByUserId(pruned, "pat");
    expect(reference.eventCount).toBe(3);
    expect(after.eventCount).toBe(1);
    expect(after.firstSeen).toBe(after.lastSeen);
    for (const field of ["score", "behaviourScore", "stage", "grade"]) expect(after[field], field).toEqual(reference[field]);

    const timeline = await timelineOf(pruned, after.id);
    expect(timeline.map((e) => e.messageId)).not.toContain("old-1");
    expect(timeline.find((e) => e.type === "retained")).toMatchObject({ messageId: "old-2", event: { eventsPruned: 2 } });
    const referenceTimeline = await timelineOf(kept, reference.id);
    // Every row after the baseline keeps its running score.
    const runningAfter = (entries: any[]) => entries.filter((e) => e.messageId === "recent" || e.type === "decay").map((e) => [e.type, e.runningScore]);
    expect(runningAfter(timeline)).toEqual(runningAfter(referenceTimeline));

    // The score goes on from the baseline: a new event, then decay, come out the same in both.
    for (const t of [kept, pruned]) await send(t, "/v1/track", { userId: "pat", event: "Demo Request", messageId: "new" });
    expect((await leadByUserId(pruned, "pat")).score).toBe((await leadByUserId(kept, "pat")).score);
    vi.setSystemTime(Date.now() + 10 * DAY);
    for (const t of [kept, pruned]) await runDurableObjectAlarm(env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "pat")));
    const later = await leadByUserId(pruned, "pat");
    expect(later.behaviourScore).toBe((await leadByUserId(kept, "pat")).behaviourScore);
    expect(later.eventCount).toBe(2); // "recent" (now 27 days old) and "new" are kept
  });

  it("drops events that arrive already older than the retention, and answers them as a success", async () => {
    const t = await newTenant();
    await setRetention(t, 7);
    await send(t, "/v1/track", { userId: "quinn", event: "Signup", messageId: "fresh" });
    const late = await send(t, "/v1/track", { userId: "quinn", event: "Demo Request", messageId: "stale", timestamp: new Date(Date.now() - 8 * DAY).toISOString() });
    expect(late.status).toBe(200);
    const lead = await leadByUserId(t, "quinn");
    expect(lead.eventCount).toBe(1);
    expect((await timelineOf(t, lead.id)).map((e) => e.messageId)).toEqual(["fresh"]);
  });

  it("reaches leads that get no new events, through the rescore job a retention change starts", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "rae", event: "Signup", messageId: "r-old", timestamp: new Date(Date.now() - 40 * DAY).toISOString() });
    await send(t, "/v1/track", { userId: "rae", event: "Login", messageId: "r-new" });
    await eventually(async () => expect((await call(`/api/namespaces/${t.namespace}/stats`, { headers: adminHeaders() }).then((r) => r.json())) as any).toMatchObject({ leads: 1 }));
    const job = (await setRetention(t, 30)).rescore;
    expect(job.status).toBe("queued");
    const stub = env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "rae"));
    await eventually(async () => {
      await runDurableObjectAlarm(stub);
      expect((await leadByUserId(t, "rae")).eventCount).toBe(1);
    }, 30_000, 500);
    const invalid = await call(`/api/namespaces/${t.namespace}/settings`, { method: "PATCH", headers: adminHeaders(), body: JSON.stringify({ retentionDays: 0 }) });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as any).error.details[0].path).toBe("retentionDays");
  });
});
