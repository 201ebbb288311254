import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { api, eventually, newTenant, send, timelineOf, type Tenant } from "../helpers";
import { leadObjectName } from "../../../src/ingest/lead-name";
import type { LeadEvent } from "../../../src/ingest/normalize";
import type { LeadObject } from "../../../durable/lead-object";

async function lookup(t: Tenant, kind: string, value: string) {
  const { status, body } = await api(t, `/api/leads/lookup?${kind}=${encodeURIComponent(value)}`);
  expect(status, `${kind}=${value}`).toBe(200);
  return body.lead;
}

// Recent enough that no decay applies (it starts after 7 quiet days).
let clock = Date.now() - 2 * 86_400_000;
function at() {
  clock += 60_000;
  return new Date(clock).toISOString();
}

/** An outreach-style event that knows only an email, sent straight to the email's home lead. */
function emailEvent(email: string, messageId: string, name = "email_replied"): LeadEvent {
  const ts = (clock += 60_000);
  return {
    messageId,
    type: "track",
    name,
    timestamp: ts,
    receivedAt: ts,
    identities: [{ kind: "email", value: email }],
    body: JSON.stringify({ type: "track", event: name, messageId }),
  };
}

async function sendEmailEvent(t: Tenant, email: string, messageId: string) {
  const name = leadObjectName(t.namespaceId, "email", email);
  return env.LEAD.getByName(name).ingest(t.namespaceId, name, [emailEvent(email, messageId)]);
}

describe("identity resolution", () => {
  it("joins an anonymous visitor to the user who signs up, with one score and one timeline", async () => {
    const t = await newTenant();
    await send(t, "/v1/page", { anonymousId: "anon-1", timestamp: at() });
    await send(t, "/v1/page", { anonymousId: "anon-1", timestamp: at() });
    await send(t, "/v1/identify", { userId: "user-1", anonymousId: "anon-1", traits: { email: "Ada@Example.com" }, timestamp: at() });
    await send(t, "/v1/track", { userId: "user-1", event: "Signup", timestamp: at() });
    await send(t, "/v1/page", { anonymousId: "anon-1", timestamp: at() });

    const byUser = await lookup(t, "userId", "user-1");
    const byAnon = await lookup(t, "anonymousId", "anon-1");
    const byEmail = await lookup(t, "email", "ada@example.com");
    expect(byAnon.id).toBe(byUser.id);
    expect(byEmail.id).toBe(byUser.id);
    expect(byUser.eventCount).toBe(5);
    expect(byUser.behaviourScore).toBe(5 + 5 + 0 + 20 + 5);
    expect(byUser.identities).toEqual(
      expect.arrayContaining([
        { kind: "userId", value: "user-1" },
        { kind: "anonymousId", value: "anon-1" },
        { kind: "email", value: "ada@example.com" },
      ]),
    );
    const timeline = await timelineOf(t, byUser.id);
    const merges = timeline.filter((e) => e.type === "merge");
    expect(merges).toHaveLength(1);
    expect(merges[0].event.eventsMoved).toBeGreaterThan(0);
    const events = timeline.filter((e) => e.type !== "merge");
    expect(events.map((e) => e.runningScore)).toEqual([5, 10, 10, 30, 35]);
  });

  it("merges on alias (previousId → userId)", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { anonymousId: "pre-1", event: "Download", timestamp: at() });
    await send(t, "/v1/alias", { previousId: "pre-1", userId: "post-1", timestamp: at() });
    await send(t, "/v1/track", { userId: "post-1", event: "Demo Request", timestamp: at() });
    const lead = await lookup(t, "userId", "post-1");
    expect((await lookup(t, "anonymousId", "pre-1")).id).toBe(lead.id);
    expect(lead.eventCount).toBe(3);
    expect(lead.behaviourScore).toBe(60);
  });

  it("lands an email-only event on the user who owns the email, whichever came first", async () => {
    const t = await newTenant();
    // The user first, then the outreach reply that knows only the email.
    await send(t, "/v1/identify", { userId: "u-first", traits: { email: "first@example.com" }, timestamp: at() });
    await sendEmailEvent(t, "first@example.com", "reply-1");
    const lead = await lookup(t, "userId", "u-first");
    expect(lead.eventCount).toBe(2);
    expect(lead.behaviourScore).toBe(10);

    // The reply first (its own lead), then the user identifies with that email.
    await sendEmailEvent(t, "later@example.com", "reply-2");
    await send(t, "/v1/identify", { userId: "u-later", traits: { email: " LATER@example.com" }, timestamp: at() });
    await send(t, "/v1/track", { userId: "u-later", event: "Signup", timestamp: at() });
    const merged = await lookup(t, "userId", "u-later");
    expect((await lookup(t, "email", "later@example.com")).id).toBe(merged.id);
    expect(merged.eventCount).toBe(3);
    expect(merged.behaviourScore).toBe(30);
  });

  it("never merges two different known userIds silently: the conflict is shown on both and nothing moves", async () => {
    const t = await newTenant();
    await send(t, "/v1/identify", { userId: "alice", anonymousId: "shared-device", timestamp: at() });
    await send(t, "/v1/track", { userId: "alice", event: "Signup", timestamp: at() });
    await send(t, "/v1/track", { userId: "bob", event: "Download", timestamp: at() });
    const res = await send(t, "/v1/identify", { userId: "bob", anonymousId: "shared-device", timestamp: at() });
    expect(res.status).toBe(200);

    const alice = await lookup(t, "userId", "alice");
    const bob = await lookup(t, "userId", "bob");
    expect(alice.id).not.toBe(bob.id);
    expect([alice.eventCount, alice.behaviourScore]).toEqual([2, 20]);
    expect([bob.eventCount, bob.behaviourScore]).toEqual([2, 10]);
    expect((await lookup(t, "anonymousId", "shared-device")).id).toBe(alice.id);
    expect(bob.identities).not.toContainEqual({ kind: "anonymousId", value: "shared-device" });
    expect(alice.conflicts).toEqual([expect.objectContaining({ identity: { kind: "anonymousId", value: "shared-device" }, otherUserIds: ["bob"] })]);
    expect(bob.conflicts).toEqual([expect.objectContaining({ identity: { kind: "anonymousId", value: "shared-device" }, otherUserIds: ["alice"] })]);
  });

  it("follows chains: a → b → c all resolve to one lead", async () => {
    const t = await newTenant();
    await send(t, "/v1/page", { anonymousId: "chain-a", timestamp: at() });
    await send(t, "/v1/page", { anonymousId: "chain-b", timestamp: at() });
    await send(t, "/v1/page", { anonymousId: "chain-c", timestamp: at() });
    await send(t, "/v1/alias", { previousId: "chain-a", userId: "chain-user", timestamp: at() });
    await send(t, "/v1/identify", { userId: "chain-user", anonymousId: "chain-b", timestamp: at() });
    await send(t, "/v1/identify", { userId: "chain-user", anonymousId: "chain-c", traits: { email: "chain@example.com" }, timestamp: at() });
    await send(t, "/v1/page", { anonymousId: "chain-a", timestamp: at() });
    const lead = await lookup(t, "userId", "chain-user");
    for (const anon of ["chain-a", "chain-b", "chain-c"]) expect((await lookup(t, "anonymousId", anon)).id).toBe(lead.id);
    expect((await lookup(t, "email", "chain@example.com")).id).toBe(lead.id);
    expect(lead.eventCount).toBe(7);
    expect(lead.behaviourScore).toBe(20);
  });

  it("settles would-be cycles (a → b while b → a) on one lead", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "cyc-a", event: "Signup", timestamp: at() });
    await send(t, "/v1/track", { userId: "cyc-b", event: "Download", timestamp: at() });
    await Promise.all([
      send(t, "/v1/alias", { previousId: "cyc-a", userId: "cyc-b", timestamp: at() }),
      send(t, "/v1/alias", { previousId: "cyc-b", userId: "cyc-a", timestamp: at() }),
    ]);
    const a = await lookup(t, "userId", "cyc-a");
    const b = await lookup(t, "userId", "cyc-b");
    expect(a.id).toBe(b.id);
    expect(a.eventCount).toBe(4);
    expect(a.behaviourScore).toBe(30);
  });

  it("keeps every event when merges race and events arrive for both sides meanwhile", async () => {
    const t = await newTenant();
    await send(t, "/v1/page", { anonymousId: "race-anon", timestamp: at() });
    const calls = [
      send(t, "/v1/identify", { userId: "race-user", anonymousId: "race-anon", timestamp: at() }),
      send(t, "/v1/identify", { userId: "race-user", anonymousId: "race-anon", timestamp: at() }),
    ];
    for (let i = 0; i < 10; i++) {
      calls.push(send(t, "/v1/page", { anonymousId: "race-anon", timestamp: at() }));
      calls.push(send(t, "/v1/track", { userId: "race-user", event: "Email Opened", timestamp: at() }));
    }
    for (const res of await Promise.all(calls)) expect(res.status).toBe(200);
    const lead = await lookup(t, "userId", "race-user");
    expect((await lookup(t, "anonymousId", "race-anon")).id).toBe(lead.id);
    expect(lead.eventCount).toBe(23);
    expect(lead.behaviourScore).toBe(5 + 10 * 5 + 10 * 5);
  });

  it("finishes a merge interrupted after the pointer was set, by alarm, without counting twice", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "survivor", event: "Signup", timestamp: at() });
    await send(t, "/v1/page", { anonymousId: "victim", timestamp: at() });
    await send(t, "/v1/page", { anonymousId: "victim", timestamp: at() });
    const survivorName = leadObjectName(t.namespaceId, "userId", "survivor");
    const victim = env.LEAD.getByName(leadObjectName(t.namespaceId, "anonymousId", "victim"));

    // The victim dies right after its pointer and alarm are written, before pushing its events.
    await runInDurableObject(victim, async (_instance: LeadObject, state) => {
      state.storage.sql.exec("INSERT INTO meta (key, value) VALUES ('forward_to', ?)", survivorName);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    await evictDurableObject(victim);
    expect((await lookup(t, "userId", "survivor")).eventCount).toBe(1);

    expect(await runDurableObjectAlarm(victim)).toBe(true);
    const after = await lookup(t, "userId", "survivor");
    expect(after.eventCount).toBe(3);
    expect(after.behaviourScore).toBe(30);
    expect((await lookup(t, "anonymousId", "victim")).id).toBe(after.id);
    // The victim keeps its copy until the archive has filed the rows it owed it (a file within ARCHIVE_GATHER_MS), then deletes it.
    const victimHolds = () =>
      runInDurableObject(victim, async (_instance: LeadObject, state) => ({
        events: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n,
        forwardTo: state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'forward_to'").one().value,
      }));
    await eventually(async () => expect(await victimHolds()).toEqual({ events: 0, forwardTo: survivorName }), 20_000);

    // A push repeated after the survivor stored it (the victim died before deleting) changes nothing.
    const survivor = env.LEAD.getByName(survivorName);
    const payload = {
      from: leadObjectName(t.namespaceId, "anonymousId", "victim"),
      events: (await timelineOf(t, after.id))
        .filter((e) => e.type === "page")
        .map((e) => ({ messageId: e.messageId, ts: Date.parse(e.timestamp), type: e.type, name: e.name, receivedAt: Date.parse(e.receivedAt), body: JSON.stringify(e.event) })),
      identities: [{ kind: "anonymousId" as const, value: "victim", linked: true, explicit: false }],
      conflicts: [],
      firmographics: {},
    };
    await survivor.receiveMerge(payload);
    await survivor.receiveMerge(payload);
    const again = await lookup(t, "userId", "survivor");
    expect([again.eventCount, again.behaviourScore]).toEqual([3, 30]);
    expect((await timelineOf(t, again.id)).filter((e) => e.type === "merge")).toHaveLength(1);
  });
});
