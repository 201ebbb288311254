/**
 * Issue 26, item 6: an open /api/live socket used to outlive its key. A
 * socket now remembers the key that opened it: revoking the key closes it
 * within seconds, and so does the end of a rotated key's grace period, while
 * sockets of other keys (and those opened with the new secret) keep streaming.
 */
import { describe, expect, it } from "vitest";
import { adminHeaders, call, eventually, newTenant, send, type Tenant } from "../workers/helpers";

interface Socket {
  notices: any[];
  closed: { code: number; at: number } | undefined;
}

async function listen(key: string): Promise<Socket> {
  const res = await call("/api/live", { headers: { Upgrade: "websocket", Authorization: `Bearer ${key}` } });
  expect(res.status).toBe(101);
  const socket = res.webSocket!;
  socket.accept();
  const state: Socket = { notices: [], closed: undefined };
  socket.addEventListener("message", (event) => state.notices.push(JSON.parse(event.data as string)));
  socket.addEventListener("close", (event) => (state.closed = { code: event.code, at: Date.now() }));
  await eventually(async () => expect(state.notices.some((n) => n.kind === "subscribed")).toBe(true), 10_000, 20);
  return state;
}

async function newKey(tenant: Tenant): Promise<{ id: string; key: string }> {
  const res = await call(`/api/namespaces/${tenant.namespace}/api-keys`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "live" }) });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { key: string; apiKey: { id: string } };
  return { id: body.apiKey.id, key: body.key };
}

/** An event of the tenant's reaches `socket` (it still streams). */
async function stillStreams(tenant: Tenant, socket: Socket, event: string): Promise<void> {
  expect((await send(tenant, "/v1/track", { userId: "live-key", event, messageId: `m-${event}` })).status).toBe(200);
  await eventually(async () => expect(socket.notices.some((n) => n.kind === "event" && n.event === event)).toBe(true), 15_000, 50);
}

describe("a live socket and the key that opened it", () => {
  it("closes when the key is revoked; another key's socket keeps streaming", async () => {
    const tenant = await newTenant("live-key");
    const revoked = await newKey(tenant);
    const doomed = await listen(revoked.key);
    const kept = await listen(tenant.apiKey);

    const res = await call(`/api/namespaces/${tenant.namespace}/api-keys/${revoked.id}`, { method: "DELETE", headers: adminHeaders() });
    expect(res.status).toBe(200);
    await eventually(async () => expect(doomed.closed?.code).toBe(4001), 10_000, 50);

    await stillStreams(tenant, kept, "After Revoke");
    expect(doomed.notices.some((n) => n.kind === "event")).toBe(false);
    expect(kept.closed).toBeUndefined();
  });

  it("closes a socket opened with a rotated-out secret when the grace ends; one opened with the new secret stays", async () => {
    const tenant = await newTenant("live-key");
    const rotating = await newKey(tenant);
    const old = await listen(rotating.key);

    const res = await call(`/api/namespaces/${tenant.namespace}/api-keys/${rotating.id}/rotate`, {
      method: "POST",
      headers: adminHeaders(),
      body: JSON.stringify({ graceSeconds: 8 }), // long enough to open a socket with the old secret on a busy machine
    });
    expect(res.status).toBe(200);
    const { key: newSecret, previousKeyValidUntil } = (await res.json()) as { key: string; previousKeyValidUntil: string };
    // Opened during the grace with the old secret: it closes at the same moment.
    const lateOld = await listen(rotating.key);
    const fresh = await listen(newSecret);

    await eventually(async () => {
      expect(old.closed?.code).toBe(4001);
      expect(lateOld.closed?.code).toBe(4001);
    }, 30_000, 100);
    // Not before the grace ended.
    expect(old.closed!.at).toBeGreaterThanOrEqual(Date.parse(previousKeyValidUntil));
    await stillStreams(tenant, fresh, "After Rotation");
    expect(fresh.closed).toBeUndefined();
  });
});
