/**
 * Issue 15, item 2: ancient timestamps. `timestamp: "1970-01-02"` used to be
 * stored and then materialise a decay row for every day since (20,780 rows, a
 * 4.5 MB export), with the score stuck at 0.1 because 0.1 × 0.95 rounds back
 * to 0.1. Now live calls take a year of history and /v1/import ten years, and
 * a quiet stretch of any length is one decay row that ends at the floor (0).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { api, leadByUserId, newTenant, send, timelineOf } from "../workers/helpers";
import { leadObjectName } from "../../src/ingest/lead-name";

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe("timestamp window", () => {
  it.each(["1970-01-02T00:00:00Z", "1900-01-01T00:00:00Z", "-271821-04-20T00:00:00Z", -8.64e15])(
    "refuses a live event at %s with a 400 naming timestamp, and stores nothing",
    async (timestamp) => {
      const t = await newTenant();
      await send(t, "/v1/track", { userId: "target", event: "Signup" });
      const res = await send(t, "/v1/track", { userId: "target", event: "Demo Request", timestamp });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as any;
      expect(error.details).toEqual([expect.objectContaining({ path: "timestamp" })]);
      expect(error.details[0].message).toContain("/v1/import");
      const lead = await leadByUserId(t, "target");
      expect(lead.eventCount).toBe(1);
      expect((await timelineOf(t, lead.id)).filter((e) => e.type === "decay")).toEqual([]);
    },
  );

  it("refuses a time pushed back out of the window by a far-future sentAt", async () => {
    const t = await newTenant();
    const now = Date.now();
    const res = await send(t, "/v1/track", { userId: "skew", event: "Signup", timestamp: new Date(now).toISOString(), sentAt: new Date(8.64e15).toISOString() });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.details[0].path).toBe("timestamp");
  });

  it("takes a live event from 300 days ago, and a batch refuses only its too-old message", async () => {
    const t = await newTenant();
    const now = Date.now();
    const res = await send(t, "/v1/batch", {
      batch: [
        { type: "track", userId: "mixed", event: "Signup", messageId: "recent", timestamp: new Date(now - 300 * DAY).toISOString() },
        { type: "track", userId: "mixed", event: "Signup", messageId: "ancient", timestamp: new Date(now - 400 * DAY).toISOString() },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.rejected).toEqual([expect.objectContaining({ index: 1, details: [expect.objectContaining({ path: "timestamp" })] })]);
    expect((await leadByUserId(t, "mixed")).eventCount).toBe(1);
  });

  it("lets /v1/import bring five years of history, decayed in one row to the floor; 1970 is refused there too", async () => {
    const t = await newTenant();
    const fiveYearsAgo = Date.now() - 5 * 365 * DAY;
    const imported = await send(t, "/v1/import", { batch: [{ type: "track", userId: "history", event: "Demo Request", timestamp: new Date(fiveYearsAgo).toISOString() }] });
    expect(imported.status).toBe(200);
    const lead = await leadByUserId(t, "history");
    expect(lead.behaviourScore).toBe(0);
    const timeline = await timelineOf(t, lead.id);
    expect(timeline.map((e) => [e.type, e.runningScore])).toEqual([
      ["track", 50],
      ["decay", 0],
    ]);
    const exported = await api(t, `/api/leads/${lead.id}/export`);
    expect(JSON.stringify(exported.body).length).toBeLessThan(10_000);

    const ancient = await send(t, "/v1/import", { batch: [{ type: "track", userId: "history", event: "Signup", timestamp: "1970-01-02T00:00:00Z" }] });
    expect(ancient.status).toBe(400);
    expect((await leadByUserId(t, "history")).eventCount).toBe(1);
  });

  it("keeps an idle lead at one decay row however long it stays quiet, and stops at the floor", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "idle", event: "Contract Signed" });
    const stub = env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "idle"));
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    // A daily alarm for 30 days, then one a year on.
    for (let day = 8; day <= 30; day++) {
      vi.setSystemTime(start + day * DAY + 60_000);
      await runDurableObjectAlarm(stub);
    }
    let lead = await leadByUserId(t, "idle");
    let decay = (await timelineOf(t, lead.id)).filter((e) => e.type === "decay");
    expect(decay.map((e) => [e.event.days, e.runningScore])).toEqual([[23, 30.74]]);
    expect(lead.behaviourScore).toBe(30.74);

    vi.setSystemTime(start + 400 * DAY);
    await runDurableObjectAlarm(stub);
    await runDurableObjectAlarm(stub);
    lead = await leadByUserId(t, "idle");
    decay = (await timelineOf(t, lead.id)).filter((e) => e.type === "decay");
    expect(decay).toHaveLength(1);
    expect(lead.behaviourScore).toBe(0);
    // At the floor nothing more is due: a later alarm writes nothing.
    vi.setSystemTime(start + 800 * DAY);
    await runDurableObjectAlarm(stub);
    expect((await timelineOf(t, lead.id)).filter((e) => e.type === "decay")).toEqual(decay);
  });
});
