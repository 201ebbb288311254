import { afterEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { leadByUserId, newTenant, send, timelineOf } from "../helpers";
import { leadObjectName } from "../../../src/ingest/lead-name";

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe("decay", () => {
  it("writes the days of decay a late backfill already owes as one timeline entry with their total", async () => {
    const t = await newTenant();
    const tenDaysAgo = Date.now() - 10 * DAY - 60_000;
    await send(t, "/v1/track", { userId: "old", event: "Demo Request", timestamp: new Date(tenDaysAgo).toISOString() });
    await send(t, "/v1/track", { userId: "old", event: "Signup", timestamp: new Date(tenDaysAgo + 1000).toISOString() });
    const lead = await leadByUserId(t, "old");
    // 70 → 66.5 → 63.18 → 60.02 (days 8, 9 and 10 without events).
    expect(lead.behaviourScore).toBe(60.02);
    const steps = (await timelineOf(t, lead.id)).filter((e) => e.type === "decay");
    expect(steps.map((s) => [s.scoreDelta, s.runningScore, s.event.days])).toEqual([[-9.98, 60.02, 3]]);
    // The entry sits at the stretch's last step and says when its first one fell.
    expect(Date.parse(steps[0].timestamp)).toBe(tenDaysAgo + 1000 + 10 * DAY);
    expect(Date.parse(steps[0].event.since)).toBe(tenDaysAgo + 1000 + 8 * DAY);
  });

  it("writes the same decay steps for an event appended after a quiet gap as for one inserted before it", async () => {
    const t = await newTenant();
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    // In order: the second event follows the log's last row, so it is appended with the gap's decay.
    await send(t, "/v1/track", { userId: "appended", event: "Contract Signed", messageId: "x-1", timestamp: at(start) });
    vi.setSystemTime(start + 10 * DAY);
    await send(t, "/v1/track", { userId: "appended", event: "Signup", messageId: "x-2", timestamp: at(start + 10 * DAY) });
    // The same events, the later one first: the earlier is inserted before it and the log rescored.
    await send(t, "/v1/track", { userId: "rescored", event: "Signup", messageId: "x-2", timestamp: at(start + 10 * DAY) });
    await send(t, "/v1/track", { userId: "rescored", event: "Contract Signed", messageId: "x-1", timestamp: at(start) });

    const shape = async (userId: string) =>
      (await timelineOf(t, (await leadByUserId(t, userId)).id)).map((e) => [e.type, e.timestamp, e.scoreDelta, e.runningScore]);
    const appended = await shape("appended");
    expect(appended).toEqual(await shape("rescored"));
    // 100, then days 8 and 9 without events in one entry (-9.75), then +20.
    expect(appended.map((row) => row[3])).toEqual([100, 90.25, 110.25]);
    expect((await leadByUserId(t, "appended")).behaviourScore).toBe(110.25);
  });

  it("falls 5% a day when the lead object's alarm runs with the clock moved, and a new event stops it", async () => {
    const t = await newTenant();
    const sixDaysAgo = Date.now() - 6 * DAY;
    await send(t, "/v1/track", { userId: "quiet", event: "Contract Signed", timestamp: new Date(sixDaysAgo).toISOString() });
    const stub = env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "quiet"));
    await runDurableObjectAlarm(stub); // the projection flush; nothing is due yet
    expect((await leadByUserId(t, "quiet")).behaviourScore).toBe(100);

    // Four days later: days 8, 9 and 10 without events have passed.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 4 * DAY + 60_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const decayed = await leadByUserId(t, "quiet");
    expect(decayed.behaviourScore).toBe(85.74);
    expect(decayed.stage).toBe("hot");
    expect(decayed.stageChanges.at(-1)).toMatchObject({ from: "qualified", to: "hot" });

    // A new event stops the decay: no step follows it until 7 quiet days have passed again.
    await send(t, "/v1/page", { userId: "quiet", timestamp: new Date(Date.now()).toISOString() });
    vi.setSystemTime(Date.now() + 2 * DAY);
    await runDurableObjectAlarm(stub);
    const after = await leadByUserId(t, "quiet");
    expect(after.behaviourScore).toBe(90.74);
    const timeline = await timelineOf(t, after.id);
    // The quiet stretch is one entry, brought up to date by each day's alarm, not a row per day.
    expect(timeline.filter((e) => e.type === "decay").map((e) => [e.event.days, e.runningScore])).toEqual([[3, 85.74]]);
    expect(timeline.at(-1).type).toBe("page");
  });
});
