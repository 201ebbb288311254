import { afterEach, describe, expect, it, vi } from "vitest";
import { call, newOrg, newTenant, orgHeaders, orgSend, type OrgClient } from "../helpers";

const push = (org: OrgClient, namespace: string, emails: string[], extra: Record<string, unknown> = {}) =>
  orgSend(org, "POST", "/buffer/push", {
    namespace,
    clerkOrgId: org.clerkOrgId,
    parentRunId: "push-run",
    leads: emails.map((email, i) => ({ email, externalId: `ext-${i}`, data: { rank: i } })),
    ...extra,
  });

const next = (org: OrgClient, namespace: string, parentRunId: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  orgSend(org, "POST", "/buffer/next", { namespace, parentRunId, ...extra }, headers);

const emails = (n: number, domain = "acme.test") => Array.from({ length: n }, (_, i) => `person${i}@${domain}`);

afterEach(() => vi.useRealTimers());

describe("lead-service auth and organisation scoping", () => {
  it("asks for X-API-Key, X-Org-Id and X-App-Id, and checks they belong together", async () => {
    const org = await newOrg(await newTenant("ls"));
    const noKey = await call("/buffer/next", { method: "POST", body: "{}" });
    expect(noKey.status).toBe(401);

    const headers = orgHeaders(org);
    const noApp = await call("/buffer/next", { method: "POST", headers: { ...headers, "X-App-Id": "" }, body: "{}" });
    expect(noApp.status).toBe(400);
    expect(((await noApp.json()) as any).error.details[0].path).toBe("headers.X-App-Id");

    const wrongOrg = await call("/buffer/next", { method: "POST", headers: { ...headers, "X-Org-Id": "org_someone_else" }, body: "{}" });
    expect(wrongOrg.status).toBe(403);
    expect(((await wrongOrg.json()) as any).error.details[0].path).toBe("headers.X-Org-Id");

    const unknownKey = await call("/buffer/next", { method: "POST", headers: { ...headers, "X-API-Key": "ls_nope" }, body: "{}" });
    expect(unknownKey.status).toBe(401);

    // The organisation's key is rate limited like any API key.
    const limited = await call(`/cursor/sdr`, { headers });
    expect(limited.status).toBe(200);
    expect(Number(limited.headers.get("X-RateLimit-Limit"))).toBeGreaterThan(0);
  });

  it("gives another organisation's key nothing of this one's leads, cursors or served list", async () => {
    const tenant = await newTenant("ls");
    const mine = await newOrg(tenant);
    const theirs = await newOrg(tenant);
    expect((await push(mine, "sdr", emails(3))).body.buffered).toBe(3);
    await orgSend(mine, "PUT", "/cursor/sdr", { state: { page: 4 } });
    const served = await next(mine, "sdr", "run-1");
    expect(served.body.found).toBe(true);

    expect((await next(theirs, "sdr", "run-x")).body).toEqual({ found: false, lead: null });
    expect((await orgSend(theirs, "GET", "/cursor/sdr")).body.state).toBeNull();
    expect((await orgSend(theirs, "GET", "/leads")).body.leads).toEqual([]);
    // The same emails are new to the other organisation.
    expect((await push(theirs, "sdr", emails(3))).body.buffered).toBe(3);

    const pushAsOther = await push(mine, "sdr", emails(1), { clerkOrgId: theirs.clerkOrgId });
    expect(pushAsOther.status).toBe(403);
    expect(pushAsOther.body.error.details[0].path).toBe("clerkOrgId");
  });
});

describe("buffer push", () => {
  it("normalises emails and skips repeats inside a push, across pushes and once served", async () => {
    const org = await newOrg(await newTenant("ls"));
    const first = await push(org, "sdr", ["Ada@Acme.test", " ada@acme.test ", "bob@acme.test", "BOB@ACME.TEST"]);
    expect(first.body).toEqual({ buffered: 2, skippedAlreadyServed: 0, skippedDuplicates: 2 });

    const claimed = await next(org, "sdr", "run-1");
    expect(claimed.body.lead.email).toBe("ada@acme.test");

    const second = await push(org, "sdr", ["ada@acme.test", "bob@acme.test", "cy@acme.test"]);
    expect(second.body).toEqual({ buffered: 1, skippedAlreadyServed: 1, skippedDuplicates: 1 });

    // Another namespace of the same organisation is a separate stream.
    const elsewhere = await push(org, "partners", ["ada@acme.test"]);
    expect(elsewhere.body.buffered).toBe(1);
  });

  it("rejects a bad push with the failing field and buffers none of it", async () => {
    const org = await newOrg(await newTenant("ls"));
    const bad = await push(org, "sdr", ["good@acme.test", "not-an-email"]);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["leads.1.email"]);
    expect((await next(org, "sdr", "run-1")).body.found).toBe(false);

    const empty = await orgSend(org, "POST", "/buffer/push", { namespace: "sdr", clerkOrgId: org.clerkOrgId, leads: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].path).toBe("leads");
  });
});

describe("buffer next", () => {
  it("serves 40 leads to 50 concurrent callers: each lead once, none lost", async () => {
    const org = await newOrg(await newTenant("ls"));
    const pushed = await push(org, "race", emails(40));
    expect(pushed.body).toEqual({ buffered: 40, skippedAlreadyServed: 0, skippedDuplicates: 0 });

    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => next(org, "race", `run-${i}`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const served = answers.filter((a) => a.body.found).map((a) => a.body.lead.email);
    expect(served).toHaveLength(40);
    expect(new Set(served).size).toBe(40);
    expect(new Set(served)).toEqual(new Set(emails(40)));

    const stats = await orgSend(org, "GET", "/buffer/stats/race");
    expect(stats.body).toMatchObject({ buffered: 0, claimed: 40, served: 0, expiredClaims: 0 });
  });

  it("answers a retried call (same run and Idempotency-Key) with the lead it gave first, even when retries race", async () => {
    const org = await newOrg(await newTenant("ls"));
    await push(org, "sdr", emails(5));
    const first = await next(org, "sdr", "run-1", { "Idempotency-Key": "pull-1" });
    const retry = await next(org, "sdr", "run-1", { "Idempotency-Key": "pull-1" });
    expect(retry.body.lead.id).toBe(first.body.lead.id);
    expect(retry.body.replayed).toBe(true);

    const racing = await Promise.all(Array.from({ length: 8 }, () => next(org, "sdr", "run-1", { "Idempotency-Key": "pull-2" })));
    const ids = new Set(racing.map((r) => r.body.lead.id));
    expect(ids.size).toBe(1);
    expect(ids.has(first.body.lead.id)).toBe(false);

    // Without the key, or with a new one, the caller gets the next lead.
    const fresh = await next(org, "sdr", "run-1", { "Idempotency-Key": "pull-3" });
    expect([first.body.lead.id, ...ids]).not.toContain(fresh.body.lead.id);
    expect((await orgSend(org, "GET", "/buffer/stats/sdr")).body).toMatchObject({ buffered: 2, claimed: 3 });
  });

  it("puts a claimed lead nobody acknowledged back in the buffer, and never serves an acknowledged one again", async () => {
    const org = await newOrg(await newTenant("ls"));
    await push(org, "sdr", ["only@acme.test"]);
    const start = Date.now();
    vi.useFakeTimers({ now: start, toFake: ["Date"] });

    const first = await next(org, "sdr", "run-crashed", {}, { claimSeconds: 60 });
    expect(first.body.lead).toMatchObject({ email: "only@acme.test", status: "claimed", claims: 1 });
    expect((await next(org, "sdr", "run-2")).body.found).toBe(false);

    vi.setSystemTime(start + 61_000);
    expect((await orgSend(org, "GET", "/buffer/stats/sdr")).body).toMatchObject({ claimed: 0, expiredClaims: 1 });
    const again = await next(org, "sdr", "run-2", {}, { claimSeconds: 60 });
    expect(again.body.lead).toMatchObject({ id: first.body.lead.id, claims: 2, claimRunId: "run-2" });

    const lateAck = await orgSend(org, "POST", "/buffer/ack", { namespace: "sdr", parentRunId: "run-crashed", id: first.body.lead.id });
    expect(lateAck.status).toBe(409);
    const ack = await orgSend(org, "POST", "/buffer/ack", { namespace: "sdr", parentRunId: "run-2", id: first.body.lead.id });
    expect(ack.body).toEqual({ served: true, id: first.body.lead.id });

    vi.setSystemTime(start + 10 * 61_000);
    expect((await next(org, "sdr", "run-3")).body.found).toBe(false);
    expect((await orgSend(org, "GET", "/buffer/stats/sdr")).body).toMatchObject({ served: 1, claimed: 0, expiredClaims: 0, reclaimed: 1 });
  });

  it("validates its body and Idempotency-Key", async () => {
    const org = await newOrg(await newTenant("ls"));
    const noRun = await orgSend(org, "POST", "/buffer/next", { namespace: "sdr" });
    expect(noRun.status).toBe(400);
    expect(noRun.body.error.details[0].path).toBe("parentRunId");
    const shortClaim = await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: "r", claimSeconds: 1 });
    expect(shortClaim.body.error.details[0].path).toBe("claimSeconds");
    const ackUnknown = await orgSend(org, "POST", "/buffer/ack", { namespace: "sdr", parentRunId: "r", id: 999999 });
    expect(ackUnknown.status).toBe(404);
  });
});

describe("served leads and cursors", () => {
  it("lists leads handed out, filtered by brand and user, with their data", async () => {
    const org = await newOrg(await newTenant("ls"));
    await push(org, "sdr", ["a@brand1.test", "b@brand1.test"], { brandId: "brand-1", clerkUserId: "user_1" });
    await push(org, "sdr", ["c@brand2.test"], { brandId: "brand-2", clerkUserId: "user_2" });
    for (let i = 0; i < 3; i++) await next(org, "sdr", `run-${i}`);

    const brand1 = await orgSend(org, "GET", "/leads?brandId=brand-1");
    expect(brand1.body.leads.map((l: any) => l.email)).toEqual(["a@brand1.test", "b@brand1.test"]);
    expect(brand1.body.leads[0]).toMatchObject({ externalId: "ext-0", data: { rank: 0 }, status: "claimed", enrichment: null });
    const user2 = await orgSend(org, "GET", `/leads?clerkUserId=user_2&clerkOrgId=${org.clerkOrgId}`);
    expect(user2.body.leads.map((l: any) => l.email)).toEqual(["c@brand2.test"]);
    const otherOrg = await orgSend(org, "GET", "/leads?clerkOrgId=org_other");
    expect(otherOrg.status).toBe(403);

    const paged = await orgSend(org, "GET", "/leads?limit=2");
    expect(paged.body.leads).toHaveLength(2);
    const rest = await orgSend(org, "GET", `/leads?limit=2&cursor=${paged.body.nextCursor}`);
    expect(rest.body.leads.map((l: any) => l.email)).toEqual(["c@brand2.test"]);
  });

  it("keeps a cursor's state per namespace", async () => {
    const org = await newOrg(await newTenant("ls"));
    expect((await orgSend(org, "GET", "/cursor/search-1")).body).toEqual({ namespace: "search-1", state: null, updatedAt: null });
    const put = await orgSend(org, "PUT", "/cursor/search-1", { state: { page: 3, exhausted: false } });
    expect(put.status).toBe(200);
    expect((await orgSend(org, "GET", "/cursor/search-1")).body.state).toEqual({ page: 3, exhausted: false });
    await orgSend(org, "PUT", "/cursor/search-1", { state: { page: 4 } });
    expect((await orgSend(org, "GET", "/cursor/search-1")).body.state).toEqual({ page: 4 });
    expect((await orgSend(org, "GET", "/cursor/search-2")).body.state).toBeNull();

    const bad = await orgSend(org, "PUT", "/cursor/search-1", { state: "page 5" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("state");
    expect((await orgSend(org, "GET", "/cursor/search-1")).body.state).toEqual({ page: 4 });
  });
});
