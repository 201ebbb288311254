import { describe, expect, it } from "vitest";
import { leadByUserId, newTenant, send, timelineOf } from "../helpers";

const NAMES = ["Page View", "Signup", "Email Opened", "Download", "Button Clicked"];

// Recent enough that no decay applies (it starts after 7 quiet days).
const start = Date.now() - 3 * 3_600_000;

function events(userId: string) {
  return Array.from({ length: 20 }, (_, i) => ({
    type: "track",
    userId,
    event: NAMES[i % NAMES.length],
    messageId: `${userId}-${i}`,
    timestamp: new Date(start + i * 60_000).toISOString(),
  }));
}

function shape(timeline: any[]) {
  return timeline.map((e) => [e.messageId, e.timestamp, e.scoreDelta, e.runningScore]);
}

describe("exactly once, in order", () => {
  it("counts a messageId sent three times once", async () => {
    const t = await newTenant();
    const message = { userId: "dup", event: "Signup", messageId: "same-id" };
    for (let i = 0; i < 3; i++) expect((await send(t, "/v1/track", message)).status).toBe(200);
    await send(t, "/v1/batch", { batch: [{ ...message, type: "track" }, { ...message, type: "track" }] });
    const lead = await leadByUserId(t, "dup");
    expect(lead.eventCount).toBe(1);
    expect(lead.behaviourScore).toBe(20);
  });

  it("gives the same score and timeline for 20 events sent in reverse order", async () => {
    const t = await newTenant();
    for (const e of events("forward")) await send(t, "/v1/batch", { batch: [e] });
    for (const e of events("reverse").reverse()) await send(t, "/v1/batch", { batch: [e] });
    const forward = await leadByUserId(t, "forward");
    const reverse = await leadByUserId(t, "reverse");
    expect(reverse.behaviourScore).toBe(forward.behaviourScore);
    expect(forward.behaviourScore).toBe(4 * (5 + 20 + 5 + 10 + 0));
    const forwardTimeline = shape(await timelineOf(t, forward.id)).map(([id, ...rest]) => [String(id).replace("forward", ""), ...rest]);
    const reverseTimeline = shape(await timelineOf(t, reverse.id)).map(([id, ...rest]) => [String(id).replace("reverse", ""), ...rest]);
    expect(reverseTimeline).toEqual(forwardTimeline);
    expect(reverseTimeline.at(-1)![3]).toBe(160);
  });

  it("inserts a late event in its place and rescores what follows", async () => {
    const t = await newTenant();
    const [first, second, third] = events("late").slice(0, 3);
    await send(t, "/v1/batch", { batch: [first, third] });
    await send(t, "/v1/batch", { batch: [second] });
    const timeline = await timelineOf(t, (await leadByUserId(t, "late")).id);
    expect(timeline.map((e) => [e.messageId, e.scoreDelta, e.runningScore])).toEqual([
      ["late-0", 5, 5],
      ["late-1", 20, 25],
      ["late-2", 5, 30],
    ]);
  });

  it("reports first and last seen from event times, not arrival", async () => {
    const t = await newTenant();
    await send(t, "/v1/batch", { batch: events("seen").reverse() });
    const lead = await leadByUserId(t, "seen");
    expect(lead.firstSeen).toBe(new Date(start).toISOString());
    expect(lead.lastSeen).toBe(new Date(start + 19 * 60_000).toISOString());
    expect(lead.eventCount).toBe(20);
    expect(lead.stage).toBe("qualified");
    expect(lead.grade).toBe("A+");
  });

  it("pages the timeline with a cursor without skipping or repeating", async () => {
    const t = await newTenant();
    await send(t, "/v1/batch", { batch: events("pages") });
    const lead = await leadByUserId(t, "pages");
    const { call } = await import("../helpers");
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await call(`/api/leads/${lead.id}/timeline?limit=7${cursor ? `&cursor=${cursor}` : ""}`, {
        headers: { Authorization: `Bearer ${t.apiKey}` },
      });
      const page = (await res.json()) as any;
      seen.push(...page.entries.map((e: any) => e.messageId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(events("pages").map((e) => e.messageId).sort((a, b) => Number(a.split("-")[1]) - Number(b.split("-")[1])));
  });

  it("computes velocity from the last 24 hours of activity", async () => {
    const t = await newTenant();
    const now = Date.now();
    const batch = Array.from({ length: 6 }, (_, i) => ({ type: "page", userId: "fast", messageId: `v${i}`, timestamp: new Date(now - i * 1000).toISOString() }));
    await send(t, "/v1/batch", { batch: [...batch, { type: "page", userId: "fast", messageId: "old", timestamp: new Date(now - 3 * 86_400_000).toISOString() }] });
    const lead = await leadByUserId(t, "fast");
    expect(lead.velocity).toBe(3);
  });
});
