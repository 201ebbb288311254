import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { call, eventually, leadByUserId, newTenant, send, type Tenant } from "../helpers";
import { MAX_NOTICES_PER_CALL, publishLive } from "../../../src/live/publish";
import type { LiveNotice } from "../../../src/live/notices";

interface Listener {
  notices: any[];
  /** Waits for a notice that passes `match` (the live stream is pushed, so this polls what arrived). */
  next(match: (notice: any) => boolean): Promise<any>;
  send(message: unknown): void;
  close(): void;
}

async function listen(tenant: Tenant, query = "", headers: Record<string, string> = { Authorization: `Bearer ${tenant.apiKey}` }): Promise<Listener> {
  const res = await call(`/api/live${query}`, { headers: { Upgrade: "websocket", ...headers } });
  if (res.status !== 101) throw new Error(`no upgrade: ${res.status} ${await res.text()}`);
  const socket = res.webSocket!;
  socket.accept();
  const notices: any[] = [];
  socket.addEventListener("message", (event) => void notices.push(JSON.parse(event.data as string)));
  const listener: Listener = {
    notices,
    next: (match) =>
      eventually(async () => {
        const found = notices.find(match);
        if (!found) throw new Error(`no such notice yet; got ${JSON.stringify(notices)}`);
        return found;
      }, 10_000, 20),
    send: (message) => socket.send(JSON.stringify(message)),
    close: () => socket.close(1000, "done"),
  };
  await listener.next((n) => n.kind === "subscribed");
  return listener;
}

const track = (userId: string, event: string, messageId: string) => ({ type: "track", userId, event, messageId });

describe("GET /api/live", () => {
  it("needs an API key, a WebSocket upgrade and a valid filter", async () => {
    const tenant = await newTenant("live");
    const noKey = await call("/api/live", { headers: { Upgrade: "websocket" } });
    expect(noKey.status).toBe(401);

    const wrongKey = await call("/api/live", { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "leadflare, bearer.nope" } });
    expect(wrongKey.status).toBe(401);

    const plainGet = await call("/api/live", { headers: { Authorization: `Bearer ${tenant.apiKey}` } });
    expect(plainGet.status).toBe(426);
    expect(((await plainGet.json()) as any).error.code).toBe("upgrade_required");

    const badLead = await call("/api/live?lead=not-a-lead", { headers: { Upgrade: "websocket", Authorization: `Bearer ${tenant.apiKey}` } });
    expect(badLead.status).toBe(400);
    expect(((await badLead.json()) as any).error.details).toContainEqual(expect.objectContaining({ path: "lead" }));
  });

  it("streams each stored event once, with the lead it landed on, filtered by event name", async () => {
    const tenant = await newTenant("live");
    const listener = await listen(tenant, "?event=Signup&event=Demo%20Request");

    expect((await send(tenant, "/v1/batch", { batch: [track("u1", "Signup", "m-1"), track("u1", "Pricing Viewed", "m-2")] })).status).toBe(200);
    // A retried call: stored already, so not streamed again.
    expect((await send(tenant, "/v1/batch", { batch: [track("u1", "Signup", "m-1")] })).status).toBe(200);
    expect((await send(tenant, "/v1/track", track("u1", "Demo Request", "m-3"))).status).toBe(200);

    const lead = await leadByUserId(tenant, "u1");
    const last = await listener.next((n) => n.messageId === "m-3");
    expect(last).toMatchObject({ kind: "event", type: "track", event: "Demo Request", leadId: lead.id, userId: "u1" });
    const events = listener.notices.filter((n) => n.kind === "event");
    expect(events.map((n) => n.messageId)).toEqual(["m-1", "m-3"]);
    expect(events[0]).toMatchObject({ event: "Signup", leadId: lead.id });
    listener.close();
  });

  it("filters by lead, and reports rejected messages to unfiltered listeners", async () => {
    const tenant = await newTenant("live");
    await send(tenant, "/v1/track", track("alice", "Signup", "a-0"));
    const alice = await leadByUserId(tenant, "alice");
    const aliceOnly = await listen(tenant, `?lead=${alice.id}`);
    const everything = await listen(tenant);

    const res = await send(tenant, "/v1/batch", {
      batch: [track("bob", "Signup", "b-1"), { type: "track", userId: "bob" }, track("alice", "Email Opened", "a-1")],
    });
    expect(res.status).toBe(200);

    await aliceOnly.next((n) => n.messageId === "a-1");
    const rejection = await everything.next((n) => n.kind === "rejection");
    expect(rejection).toMatchObject({ index: 1, code: "invalid_message" });
    expect(rejection.details).toContainEqual(expect.objectContaining({ path: "event" }));
    await everything.next((n) => n.messageId === "b-1");
    await everything.next((n) => n.messageId === "a-1");
    expect(aliceOnly.notices.filter((n) => n.kind !== "subscribed").map((n) => n.messageId)).toEqual(["a-1"]);
  });

  it("takes the key as a WebSocket subprotocol (browsers cannot set headers), answers with the leadflare protocol, and pongs a ping", async () => {
    const tenant = await newTenant("live");
    const res = await call("/api/live", { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `leadflare, bearer.${tenant.apiKey}` } });
    expect(res.status).toBe(101);
    expect(res.headers.get("Sec-WebSocket-Protocol")).toBe("leadflare");
    const socket = res.webSocket!;
    socket.accept();
    const messages: string[] = [];
    socket.addEventListener("message", (event) => void messages.push(event.data as string));
    socket.send("ping");
    await eventually(async () => expect(messages).toContain("pong"), 10_000, 20);
    socket.close(1000);
  });

  it("lets a listener change its filter over the socket, and names a bad field", async () => {
    const tenant = await newTenant("live");
    const listener = await listen(tenant);
    listener.send({ filter: { events: [""] } });
    const error = await listener.next((n) => n.kind === "error");
    expect(error.error.details).toContainEqual(expect.objectContaining({ path: "filter.events.0" }));

    listener.send({ filter: { events: ["Webinar Attended"] } });
    await listener.next((n) => n.kind === "subscribed" && n.filter.events?.[0] === "Webinar Attended");
    await send(tenant, "/v1/track", track("carol", "Signup", "c-1"));
    await send(tenant, "/v1/track", track("carol", "Webinar Attended", "c-2"));
    await listener.next((n) => n.messageId === "c-2");
    expect(listener.notices.some((n) => n.messageId === "c-1")).toBe(false);
  });

  it("reaches a listener that connects right after a quiet spell, and keeps namespaces apart", async () => {
    const tenant = await newTenant("live");
    const other = await newTenant("live");
    // Nobody listens yet: this isolate learns that the namespace is quiet.
    await send(tenant, "/v1/track", track("dave", "Signup", "d-0"));
    const listener = await listen(tenant);
    const otherListener = await listen(other);
    await send(tenant, "/v1/track", track("dave", "Email Opened", "d-1"));
    await send(other, "/v1/track", track("erin", "Signup", "e-1"));
    await listener.next((n) => n.messageId === "d-1");
    await otherListener.next((n) => n.messageId === "e-1");
    expect(listener.notices.some((n) => n.messageId === "e-1" || n.messageId === "d-0")).toBe(false);
    expect(otherListener.notices.some((n) => n.messageId === "d-1")).toBe(false);
  });

  it("announces a merge from the surviving lead", async () => {
    const tenant = await newTenant("live");
    // The anonymous lead is older, so the userId's lead is merged into it.
    await send(tenant, "/v1/page", { anonymousId: "anon-7", name: "Pricing", messageId: "p-1" });
    const listener = await listen(tenant);
    await send(tenant, "/v1/identify", { userId: "frank", anonymousId: "anon-7", traits: { email: "frank@example.com" }, messageId: "i-1" });
    const merge = await listener.next((n) => n.kind === "merge");
    const lead = await eventually(async () => {
      const found = await leadByUserId(tenant, "frank");
      expect(found.identities).toContainEqual({ kind: "anonymousId", value: "anon-7" });
      return found;
    });
    expect(merge.leadId).toBe(lead.id);
    expect(merge.mergedLeadId).not.toBe(lead.id);
    expect(merge.identities).toContainEqual({ kind: "userId", value: "frank" });
    expect(listener.notices.filter((n) => n.kind === "merge")).toHaveLength(1);
  });

  it("loses no notice when a burst outgrows a call: a full window is sent and the rest opens the next", async () => {
    const tenant = await newTenant("live");
    const listener = await listen(tenant);
    const at = new Date().toISOString();
    const notices = (from: number, count: number): LiveNotice[] =>
      Array.from({ length: count }, (_, i) => ({ kind: "event", at, leadId: "flood", messageId: `flood-${from + i}`, type: "track", event: "Viewed", timestamp: at, userId: "flood", anonymousId: null }));
    // Two callers in one window, each with more than a call holds.
    const each = MAX_NOTICES_PER_CALL + 500;
    await Promise.all([publishLive(env, tenant.namespaceId, () => notices(0, each)), publishLive(env, tenant.namespaceId, () => notices(each, each))]);
    await eventually(async () => expect(listener.notices.filter((n) => n.kind === "event").length).toBe(2 * each), 20_000, 100);
    const ids = listener.notices.filter((n) => n.kind === "event").map((n) => n.messageId);
    expect(new Set(ids).size).toBe(2 * each);
    listener.close();
  });
});
