/**
 * Issue 15, item 8: a batch half written. Leads take their events in
 * parallel; when one lead object failed the call answered 500 while the
 * other leads' events were stored, and a client retry without messageIds
 * stored those twice. Now missing messageIds are a hash of the message's
 * content and timestamp, and the answer says what is stored and what to retry.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { leadByUserId, newTenant, send, timelineOf, type Tenant } from "../workers/helpers";
import { leadObjectName } from "../../src/ingest/lead-name";
import type { LeadObject } from "../../durable/lead-object";

/** Makes the lead object's storage fail every write (its event table gone), or brings it back. */
async function breakLead(t: Tenant, userId: string, broken: boolean): Promise<void> {
  const stub = env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", userId));
  await runInDurableObject(stub, (_instance: LeadObject, state) => {
    state.storage.sql.exec(broken ? "ALTER TABLE events RENAME TO events_away" : "ALTER TABLE events_away RENAME TO events");
  });
}

/** The ingest path logs a lead object that failed to take its events: expected here, so taken in and checked rather than printed. */
let errors: MockInstance<typeof console.error>;
beforeEach(() => {
  errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => errors.mockRestore());
const leadFailureLogged = () => errors.mock.calls.some((args) => String(args[0]).startsWith("a lead object failed to take its events"));

describe("partial batch failure", () => {
  it("answers 503 naming the stored and the unsaved messages, and a retry of the whole batch stores nothing twice", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "fragile", event: "Signup", messageId: "before" });
    await breakLead(t, "fragile", true);
    const now = Date.now();
    // No messageIds, as a simple client sends them.
    const batch = {
      batch: [
        { type: "track", userId: "sturdy", event: "Signup", timestamp: new Date(now - 2000).toISOString() },
        { type: "track", userId: "fragile", event: "Demo Request", timestamp: new Date(now - 1500).toISOString() },
        { type: "page", userId: "sturdy", name: "Pricing", timestamp: new Date(now - 1000).toISOString() },
        { type: "track", userId: "sturdy", event: "" },
      ],
    };
    const first = await send(t, "/v1/batch", batch);
    expect(first.status).toBe(503);
    const { error } = (await first.json()) as any;
    expect(error.code).toBe("partially_stored");
    expect(error.details.stored.map((m: any) => m.index)).toEqual([0, 2]);
    expect(error.details.retry.map((m: any) => m.index)).toEqual([1]);
    expect(error.details.rejected.map((m: any) => m.index)).toEqual([3]);
    // Every message is named by the id it is (or will be) stored under.
    for (const ref of [...error.details.stored, ...error.details.retry]) expect(ref.messageId).toMatch(/^h-[0-9a-f]{40}$/);
    expect((await leadByUserId(t, "sturdy")).eventCount).toBe(2);
    expect(leadFailureLogged()).toBe(true);

    // The lead recovers; the client sends the same batch again.
    await breakLead(t, "fragile", false);
    const retry = await send(t, "/v1/batch", batch);
    expect(retry.status).toBe(200);
    const sturdy = await leadByUserId(t, "sturdy");
    expect(sturdy.eventCount).toBe(2);
    expect((await timelineOf(t, sturdy.id)).map((e) => e.messageId)).toEqual(error.details.stored.map((m: any) => m.messageId));
    const fragile = await timelineOf(t, (await leadByUserId(t, "fragile")).id);
    expect(fragile.map((e) => e.messageId).sort()).toEqual(["before", error.details.retry[0].messageId].sort());
  });

  it("stores a retried single call without messageId once, yet keeps two identical calls without a timestamp as two", async () => {
    const t = await newTenant();
    const call = { userId: "retrier", event: "Signup", timestamp: new Date().toISOString() };
    expect((await send(t, "/v1/track", call)).status).toBe(200);
    expect((await send(t, "/v1/track", call)).status).toBe(200);
    expect((await leadByUserId(t, "retrier")).eventCount).toBe(1);

    await send(t, "/v1/batch", { batch: [{ type: "page", userId: "twice" }, { type: "page", userId: "twice" }] });
    expect((await leadByUserId(t, "twice")).eventCount).toBe(2);
  });

  it("answers 503 for a single call whose lead fails, and stores nothing", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "down", event: "Signup" });
    await breakLead(t, "down", true);
    const res = await send(t, "/v1/track", { userId: "down", event: "Demo Request" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.details.retry).toHaveLength(1);
    expect(leadFailureLogged()).toBe(true);
    await breakLead(t, "down", false);
    expect((await leadByUserId(t, "down")).eventCount).toBe(1);
  });
});
