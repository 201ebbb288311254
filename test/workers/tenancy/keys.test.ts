import { describe, expect, it } from "vitest";
import { adminHeaders, api, apiSend, basic, call, newOrg, newTenant, orgSend, send, type Tenant } from "../helpers";
import { addWebhookSource, hook } from "../outreach-helpers";
import { lemlistHook } from "../../fakes/outreach";

function admin(method: string, path: string, body?: unknown) {
  return call(path, { method, headers: adminHeaders(), body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
}

const withKey = (apiKey: string): Tenant => ({ namespace: "", namespaceId: "", writeKey: "", apiKey });
const track = (writeKey: string, messageId: string) =>
  call("/v1/track", { method: "POST", headers: { Authorization: basic(writeKey), "Content-Type": "application/json" }, body: JSON.stringify({ userId: "rot", event: "Signup", messageId }) });

describe("API keys: list, rotate, revoke", () => {
  it("lists keys by prefix with last use, never the key", async () => {
    const t = await newTenant();
    expect((await api(t, "/api/leaderboard")).status).toBe(200);
    const { body } = await admin("GET", `/api/namespaces/${t.namespace}/api-keys`);
    expect(body.apiKeys).toHaveLength(1);
    const [key] = body.apiKeys;
    expect(key).toMatchObject({ name: "tests", prefix: t.apiKey.slice(0, 7), previousKeyValidUntil: null });
    expect(Date.parse(key.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(key.createdAt)).toBeLessThanOrEqual(Date.now());
    expect(JSON.stringify(body)).not.toContain(t.apiKey);
  });

  it("rotates: the new key is shown once, the old one works through the grace period and not after", async () => {
    const t = await newTenant();
    const id = (await admin("GET", `/api/namespaces/${t.namespace}/api-keys`)).body.apiKeys[0].id;
    const rotated = await admin("POST", `/api/namespaces/${t.namespace}/api-keys/${id}/rotate`, { graceSeconds: 2 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).toMatch(/^lf_[0-9a-f]{48}$/);
    expect(Date.parse(rotated.body.previousKeyValidUntil) - Date.now()).toBeGreaterThan(0);
    expect((await api(withKey(rotated.body.key), "/api/leaderboard")).status).toBe(200);
    expect((await api(t, "/api/leaderboard")).status).toBe(200);
    const listed = (await admin("GET", `/api/namespaces/${t.namespace}/api-keys`)).body.apiKeys[0];
    expect(listed.prefix).toBe(rotated.body.key.slice(0, 7));
    expect(listed.previousKeyValidUntil).toBe(rotated.body.previousKeyValidUntil);
    await new Promise((r) => setTimeout(r, Date.parse(rotated.body.previousKeyValidUntil) - Date.now() + 50));
    expect((await api(t, "/api/leaderboard")).status).toBe(401);
    expect((await api(withKey(rotated.body.key), "/api/leaderboard")).status).toBe(200);
  });

  it("rotates with no grace (the old key stops at once), defaults to a day, and refuses a bad grace", async () => {
    const t = await newTenant();
    const id = (await admin("GET", `/api/namespaces/${t.namespace}/api-keys`)).body.apiKeys[0].id;
    const bad = await admin("POST", `/api/namespaces/${t.namespace}/api-keys/${id}/rotate`, { graceSeconds: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("graceSeconds");
    const byDefault = await call(`/api/namespaces/${t.namespace}/api-keys/${id}/rotate`, { method: "POST", headers: { Authorization: adminHeaders().Authorization! } });
    const first = (await byDefault.json()) as any;
    expect(Date.parse(first.previousKeyValidUntil) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    const now = await admin("POST", `/api/namespaces/${t.namespace}/api-keys/${id}/rotate`, { graceSeconds: 0 });
    expect(now.body.previousKeyValidUntil).toBeNull();
    // Both earlier keys are gone: the original (its grace ended with the second rotation) and the first rotation's.
    expect((await api(t, "/api/leaderboard")).status).toBe(401);
    expect((await api(withKey(first.key), "/api/leaderboard")).status).toBe(401);
    expect((await api(withKey(now.body.key), "/api/leaderboard")).status).toBe(200);
  });

  it("revokes: the key answers 401 at once, and another namespace's admin path cannot reach it", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const id = (await admin("GET", `/api/namespaces/${t.namespace}/api-keys`)).body.apiKeys[0].id;
    expect((await admin("DELETE", `/api/namespaces/${other.namespace}/api-keys/${id}`)).status).toBe(404);
    expect((await api(t, "/api/leaderboard")).status).toBe(200);
    expect((await admin("DELETE", `/api/namespaces/${t.namespace}/api-keys/${id}`)).body).toEqual({ revoked: id });
    expect((await api(t, "/api/leaderboard")).status).toBe(401);
    expect((await admin("GET", `/api/namespaces/${t.namespace}/api-keys`)).body.apiKeys).toEqual([]);
    expect((await apiSend(other, "DELETE", `/api/namespaces/${other.namespace}/api-keys/${id}`)).status).toBe(403);
  });
});

describe("write keys, webhook sources and orgs: rotate and revoke", () => {
  it("write key: both keys ingest during the grace period; a revoked key is refused", async () => {
    const t = await newTenant();
    const [source] = (await admin("GET", `/api/namespaces/${t.namespace}/sources`)).body.sources;
    expect(source).toMatchObject({ name: "web", prefix: t.writeKey.slice(0, 7), rateLimit: null });
    const rotated = await admin("POST", `/api/namespaces/${t.namespace}/sources/${source.id}/rotate`, {});
    expect(rotated.body.key).toMatch(/^wk_/);
    expect((await track(t.writeKey, "rot-1")).status).toBe(200);
    expect((await track(rotated.body.key, "rot-2")).status).toBe(200);
    expect((await admin("DELETE", `/api/namespaces/${t.namespace}/sources/${source.id}`)).status).toBe(200);
    expect((await track(t.writeKey, "rot-3")).status).toBe(401);
    expect((await track(rotated.body.key, "rot-4")).status).toBe(401);
  });

  it("webhook source: the old secret works during the grace period; revoked, both are refused", async () => {
    const t = await newTenant();
    const source = await addWebhookSource(t, "lemlist");
    const listed = (await admin("GET", `/api/namespaces/${t.namespace}/webhook-sources`)).body.sources[0];
    expect(listed).toMatchObject({ id: source.id, prefix: source.secret.slice(0, 8), lastUsedAt: null });
    const rotated = await admin("POST", `/api/namespaces/${t.namespace}/webhook-sources/${source.id}/rotate`, { graceSeconds: 600 });
    const activity = (i: number) => lemlistHook({ type: "emailsOpened", leadEmail: `whrot-${i}@example.com` });
    expect((await hook(source, activity(1))).status).toBe(200);
    expect((await hook({ ...source, secret: rotated.body.key }, activity(2))).status).toBe(200);
    expect((await hook(source, activity(3), { token: "whs_wrong" })).status).toBe(401);
    expect((await admin("GET", `/api/namespaces/${t.namespace}/webhook-sources`)).body.sources[0].lastUsedAt).not.toBeNull();
    expect((await admin("DELETE", `/api/namespaces/${t.namespace}/webhook-sources/${source.id}`)).status).toBe(200);
    expect((await hook({ ...source, secret: rotated.body.key }, activity(4))).status).toBe(401);
  });

  it("org key: the namespace's API key lists, rotates and revokes its own orgs only", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const org = await newOrg(t);
    expect((await orgSend(org, "GET", "/buffer/stats/" + t.namespace)).status).toBeLessThan(500);
    const [listed] = (await api(t, "/api/orgs")).body.orgs;
    expect(listed).toMatchObject({ clerkOrgId: org.clerkOrgId, prefix: org.apiKey.slice(0, 7) });
    expect(JSON.stringify(listed)).not.toContain(org.apiKey);
    expect((await apiSend(other, "POST", `/api/orgs/${listed.id}/rotate`, {})).status).toBe(404);
    expect((await apiSend(other, "DELETE", `/api/orgs/${listed.id}`)).status).toBe(404);
    const rotated = await apiSend(t, "POST", `/api/orgs/${listed.id}/rotate`, { graceSeconds: 0 });
    expect(rotated.status).toBe(200);
    expect((await orgSend(org, "POST", "/enrich", { email: "x@example.com" })).status).toBe(401);
    const fresh = { ...org, apiKey: rotated.body.key };
    expect((await orgSend(fresh, "GET", "/enrich/stats")).status).toBe(200);
    expect((await apiSend(t, "DELETE", `/api/orgs/${listed.id}`)).body).toEqual({ revoked: listed.id });
    expect((await orgSend(fresh, "GET", "/enrich/stats")).status).toBe(401);
  });

  it("a namespace whose keys were all revoked can be deleted", async () => {
    const t = await newTenant();
    const source = await addWebhookSource(t, "smartlead");
    await newOrg(t);
    const orgs = (await api(t, "/api/orgs")).body.orgs;
    for (const org of orgs) expect((await apiSend(t, "DELETE", `/api/orgs/${org.id}`)).status).toBe(200);
    expect((await admin("DELETE", `/api/namespaces/${t.namespace}`)).status).toBe(409);
    for (const s of (await admin("GET", `/api/namespaces/${t.namespace}/sources`)).body.sources) await admin("DELETE", `/api/namespaces/${t.namespace}/sources/${s.id}`);
    await admin("DELETE", `/api/namespaces/${t.namespace}/webhook-sources/${source.id}`);
    for (const k of (await admin("GET", `/api/namespaces/${t.namespace}/api-keys`)).body.apiKeys) await admin("DELETE", `/api/namespaces/${t.namespace}/api-keys/${k.id}`);
    expect((await admin("DELETE", `/api/namespaces/${t.namespace}`)).body).toEqual({ deleted: t.namespace });
  });
});

describe("rate limits on every authenticated route", () => {
  it("counts /api/sync/* against the API key's limit", async () => {
    const t = await newTenant();
    const id = (await admin("GET", `/api/namespaces/${t.namespace}/api-keys`)).body.apiKeys[0].id;
    expect((await admin("PATCH", `/api/namespaces/${t.namespace}/api-keys/${id}`, { rateLimit: { limit: 3, periodSeconds: 3600 } })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api(t, "/api/sync/jobs")).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it("counts the SDK's settings call against its write key", async () => {
    const t = await newTenant();
    const [source] = (await admin("GET", `/api/namespaces/${t.namespace}/sources`)).body.sources;
    await admin("PATCH", `/api/namespaces/${t.namespace}/sources/${source.id}`, { rateLimit: { limit: 2, periodSeconds: 3600 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(`/v1/projects/${t.writeKey}/settings`)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await track(t.writeKey, "after-settings")).status).toBe(429);
  });

  it("gives each webhook source its own limit: 429 with Retry-After, nothing stored", async () => {
    const t = await newTenant();
    const source = await addWebhookSource(t, "lemlist");
    const other = await addWebhookSource(t, "lemlist");
    const set = await admin("PATCH", `/api/namespaces/${t.namespace}/webhook-sources/${source.id}`, { rateLimit: { limit: 2, periodSeconds: 3600 } });
    expect(set.body).toMatchObject({ id: source.id, rateLimit: { limit: 2, periodSeconds: 3600 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await hook(source, lemlistHook({ type: "emailsOpened", leadEmail: `limited-${i}@example.com` }))).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await call(`${source.path}?token=${source.secret}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(lemlistHook({ type: "emailsOpened", leadEmail: "limited-9@example.com" })) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await api(t, "/api/leads/lookup?email=limited-2%40example.com")).status).toBe(404);
    expect((await hook(other, lemlistHook({ type: "emailsOpened", leadEmail: "other-0@example.com" }))).status).toBe(200);
    const listed = (await admin("GET", `/api/namespaces/${t.namespace}/webhook-sources`)).body;
    expect(listed.defaultRateLimit).toEqual({ limit: 1_000_000, periodSeconds: 60 });
  });
});

describe("orgs are unique per namespace", () => {
  it("lets two namespaces use the same org id, and the 409 speaks only of the caller's namespace", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const body = { clerkOrgId: `org_${crypto.randomUUID().slice(0, 12)}`, appId: "outreach-app" };
    expect((await apiSend(a, "POST", "/api/orgs", body)).status).toBe(201);
    const inB = await apiSend(b, "POST", "/api/orgs", body);
    expect(inB.status).toBe(201);
    const again = await apiSend(b, "POST", "/api/orgs", body);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).not.toContain(a.namespace);
    expect((await api(a, "/api/orgs")).body.orgs).toHaveLength(1);
    // Each org's key is its own: B's org sees none of what A's org buffered.
    const orgA = { ...body, apiKey: (await apiSend(a, "POST", "/api/orgs", { ...body, appId: "second-app" })).body.apiKey, tenant: a };
    const orgB = { ...body, apiKey: inB.body.apiKey, tenant: b };
    expect(orgB.apiKey).not.toBe(orgA.apiKey);
  });
});
