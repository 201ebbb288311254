/**
 * Issue 26, item 8 (the LOW items of this branch): a malformed percent-encoding
 * in an archive file key and an IPv6 zone id in a Postgres URL answered 500;
 * `DELETE /api/accounts/:id` answered 409 (sync running) before checking
 * ownership, confirming another tenant's account id. Each is now a 4xx naming
 * what it is about, and ownership is checked before state.
 */
import { afterEach, describe, expect, it } from "vitest";
import { installFakes } from "../fakes/fake-service";
import { lemlistFake } from "../fakes/outreach";
import { apiSend, call, eventually, newTenant } from "../workers/helpers";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

describe("odd input answers 400 naming the field", () => {
  it.each(["%E0%A4%A", "%E0%A4", "%", "ns%3Dx%2F%ZZ"])("GET /api/archive/files/%s", async (key) => {
    const t = await newTenant("low");
    const res = await call(`/api/archive/files/${key}`, { headers: { Authorization: `Bearer ${t.apiKey}` } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.details).toContainEqual({ path: "key", message: expect.any(String) });
  });

  it.each(["postgres://u@[::1%25eth0]:5432/db", "postgres://u@[fe80::1%eth0]/db", "postgresql://u@[::1%]/db"])("a Postgres URL with an IPv6 zone id (%s), on create and update", async (url) => {
    const t = await newTenant("low");
    const created = await apiSend(t, "POST", "/api/destinations", { name: "pg", type: "postgres", config: { url, password: "pg-password-0123456789" } });
    expect(created.status).toBe(400);
    expect(created.body.error.details.map((d: any) => d.path)).toContain("config.url");

    const good = await apiSend(t, "POST", "/api/destinations", { name: "pg", type: "postgres", config: { url: "postgres://app@db.fake:5432/analytics", password: "pg-password-0123456789" } });
    expect(good.status).toBe(201);
    const updated = await apiSend(t, "PUT", `/api/destinations/${good.body.destination.id}`, { name: "pg", type: "postgres", config: { url, password: "pg-password-0123456789" } });
    expect(updated.status).toBe(400);
    expect(updated.body.error.details.map((d: any) => d.path)).toContain("config.url");
    expect((await apiSend(t, "GET", `/api/destinations/${good.body.destination.id}`)).body.destination.config.url).toBe("postgres://app@db.fake:5432/analytics");
  });
});

describe("DELETE /api/accounts/:id", () => {
  it("checks ownership before state: another tenant's busy account reads as missing, like an id that does not exist", async () => {
    const lemlist = lemlistFake();
    lemlist.gate.offset = 0;
    uninstall = installFakes(lemlist);
    const owner = await newTenant("low");
    const other = await newTenant("low");
    const account = await apiSend(owner, "POST", "/api/accounts", { platform: "lemlist", name: "outreach", apiKey: "lemlist-key" });
    expect(account.status).toBe(201);
    const id = account.body.account.id;
    const job = await apiSend(owner, "POST", "/api/sync/jobs", { mode: "full_historical", platforms: ["lemlist"], namespaces: [owner.namespace] });
    expect(job.status).toBe(202);
    try {
      // The sync is running: the owner hears so.
      const busy = await apiSend(owner, "DELETE", `/api/accounts/${id}`);
      expect(busy.status).toBe(409);

      const theirs = await apiSend(other, "DELETE", `/api/accounts/${id}`);
      const missingId = crypto.randomUUID();
      const missing = await apiSend(other, "DELETE", `/api/accounts/${missingId}`);
      expect(theirs.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(theirs.body.error.code).toBe(missing.body.error.code);
      expect(theirs.body.error.message.replace(id, "<id>")).toBe(missing.body.error.message.replace(missingId, "<id>"));
      // Still there, still the owner's.
      expect((await apiSend(owner, "GET", `/api/accounts/${id}`)).status).toBe(200);
    } finally {
      lemlist.gate.open = true;
    }
    await eventually(async () => expect((await apiSend(owner, "GET", `/api/sync/jobs/${job.body.job.id}`)).body.job.status).not.toMatch(/queued|in_progress/));
    expect((await apiSend(other, "DELETE", `/api/accounts/${id}`)).status).toBe(404);
    expect((await apiSend(owner, "DELETE", `/api/accounts/${id}`)).status).toBe(200);
  });
});
