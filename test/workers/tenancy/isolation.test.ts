import { afterEach, describe, expect, it } from "vitest";
import { adminHeaders, api, apiSend, basic, call, eventually, leadByUserId, newOrg, newTenant, orgHeaders, orgSend, send, type OrgClient, type Tenant } from "../helpers";
import { acceptRoutedFrom, addAccount, addWebhookSource, hook, jobEnded, leadByEmail, setKeywords, startSync } from "../outreach-helpers";
import { installFakes } from "../../fakes/fake-service";
import { LEMLIST_KEY, lemlistActivities, lemlistFake, lemlistHook } from "../../fakes/outreach";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

describe("keyword routing across namespaces (acceptRoutedFrom)", () => {
  it("keeps another namespace's webhook activity home unless the keyword's namespace accepts that namespace", async () => {
    const victim = await newTenant("victim");
    const attacker = await newTenant("attacker");
    expect((await setKeywords(victim.namespace, ["acme"])).status).toBe(200);
    const source = await addWebhookSource(attacker, "lemlist");

    const first = await hook(source, lemlistHook({ type: "emailsReplied", leadEmail: "probe-1@example.com", campaignName: "ACME outreach Q1" }));
    expect(first.status).toBe(200);
    const lead = await eventually(async () => (await leadByEmail(attacker, "probe-1@example.com")) ?? Promise.reject(new Error("not home yet")));
    expect(lead.namespaceId).toBe(attacker.namespaceId);
    expect(await leadByEmail(victim, "probe-1@example.com")).toBeUndefined();
    // The answer is the same whether or not a keyword matched: nothing to learn by trial.
    const miss = await hook(source, lemlistHook({ type: "emailsReplied", leadEmail: "probe-2@example.com", campaignName: "nothing matches" }));
    expect(Object.keys(miss.body).sort()).toEqual(Object.keys(first.body).sort());

    // Once the victim accepts the hub, the same keyword routes there.
    expect((await acceptRoutedFrom(victim.namespace, [attacker.namespace])).body.namespace.acceptRoutedFrom).toEqual([attacker.namespace]);
    await hook(source, lemlistHook({ type: "emailsReplied", leadEmail: "probe-3@example.com", campaignName: "ACME outreach Q1" }));
    await eventually(async () => (await leadByEmail(victim, "probe-3@example.com")) ?? Promise.reject(new Error("not routed yet")));
    expect(await leadByEmail(attacker, "probe-3@example.com")).toBeUndefined();

    // Withdrawn again: back to staying home.
    expect((await acceptRoutedFrom(victim.namespace, [])).body.namespace.acceptRoutedFrom).toEqual([]);
    await hook(source, lemlistHook({ type: "emailsReplied", leadEmail: "probe-4@example.com", campaignName: "ACME outreach Q1" }));
    await eventually(async () => (await leadByEmail(attacker, "probe-4@example.com")) ?? Promise.reject(new Error("not home yet")));
    expect(await leadByEmail(victim, "probe-4@example.com")).toBeUndefined();
  });

  it("keeps a sync of an account the other tenant connected in that tenant's namespace", async () => {
    const lemlist = lemlistFake("lemlist-attacker.fake");
    lemlist.activities.push(...lemlistActivities(20, { emails: 5, campaignName: "ACME outreach Q1", prefix: "steal" }));
    uninstall = installFakes(lemlist);
    const victim = await newTenant("victim");
    const attacker = await newTenant("attacker");
    expect((await setKeywords(victim.namespace, ["acme outreach"])).status).toBe(200);
    await addAccount(attacker, "lemlist", LEMLIST_KEY, { baseUrl: "https://lemlist-attacker.fake/api" });
    const started = await startSync(attacker, { platforms: ["lemlist"], mode: "full_historical", namespaces: [victim.namespace] });
    // A namespace's key syncs only its own namespace: naming another is refused like an unknown one.
    expect(started.status).toBe(404);
    expect(started.body.error.details).toEqual([{ path: "namespaces.0", message: `no namespace ${victim.namespace} for this key` }]);
    const all = await startSync(attacker, { platforms: ["lemlist"], mode: "full_historical" });
    expect(all.status, JSON.stringify(all.body)).toBe(202);
    expect((await jobEnded(attacker, all.body.job.id)).status).toBe("completed");
    await eventually(async () => expect((await api(attacker, `/api/namespaces/${attacker.namespace}/stats`)).body.events).toBe(20));
    expect((await api(victim, `/api/namespaces/${victim.namespace}/stats`)).body).toMatchObject({ leads: 0, events: 0 });
  });

  it("a sync naming a namespace that accepts a hub reads the hub's accounts, keeping only its campaigns; the client's own key cannot", async () => {
    const lemlist = lemlistFake("lemlist-hub.fake");
    lemlist.activities.push(...lemlistActivities(10, { emails: 2, campaignName: "Globex outreach Q1", prefix: "client" }));
    lemlist.activities.push(...lemlistActivities(10, { emails: 2, campaignName: "Hub newsletter", prefix: "hub" }));
    uninstall = installFakes(lemlist);
    const hub = await newTenant("hub");
    const client = await newTenant("client");
    const bystander = await newTenant("bystander");
    expect((await setKeywords(client.namespace, ["globex outreach"])).status).toBe(200);
    expect((await setKeywords(bystander.namespace, ["hub newsletter"])).status).toBe(200);
    expect((await acceptRoutedFrom(client.namespace, [hub.namespace])).status).toBe(200);
    const account = await addAccount(hub, "lemlist", LEMLIST_KEY, { baseUrl: "https://lemlist-hub.fake/api" });

    // The client's key reaches only its own accounts (it has none), never the hub's.
    expect((await startSync(client, { platforms: ["lemlist"], mode: "full_historical" })).status).toBe(422);
    // The admin token naming the client: the hub's account, kept to the client's campaigns.
    const res = await call("/api/sync/jobs", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ platforms: ["lemlist"], mode: "full_historical", namespaces: [client.namespace] }) });
    const started = (await res.json()) as any;
    expect(res.status, JSON.stringify(started)).toBe(202);
    expect(started.job.config.routeOnly).toEqual({ [account.id]: [client.namespaceId] });
    // The admin token's job: read with the admin token.
    const job = await eventually(async () => {
      const j = ((await (await call(`/api/sync/jobs/${started.job.id}`, { headers: adminHeaders() })).json()) as any).job;
      expect(j.status).toBe("completed");
      return j;
    });
    expect(job).toMatchObject({ status: "completed", processed: 20, platforms: { lemlist: { read: 20, imported: 10 } } });
    await eventually(async () => expect((await api(client, `/api/namespaces/${client.namespace}/stats`)).body.events).toBe(10));
    expect((await api(hub, `/api/namespaces/${hub.namespace}/stats`)).body.events).toBe(0);
    expect((await api(bystander, `/api/namespaces/${bystander.namespace}/stats`)).body.events).toBe(0);
    // Not the account's sync: its cursor and last sync time stay unset.
    expect((await api(hub, `/api/accounts/${account.id}`)).body.account).toMatchObject({ lastSyncedAt: null, cursor: { watermark: null } });
  });

  it("is set by the admin token only, names each unknown namespace, and lists what a namespace accepts", async () => {
    const hub = await newTenant("hub");
    const client = await newTenant("client");
    const asKey = await apiSend(client, "PATCH", `/api/namespaces/${client.namespace}`, { acceptRoutedFrom: [hub.namespace] });
    expect(asKey.status).toBe(403); // a valid key of a kind the route does not take (main 65cd945)
    const unknown = await acceptRoutedFrom(client.namespace, [hub.namespace, "no-such-namespace"]);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ path: "acceptRoutedFrom.1", message: "no namespace named no-such-namespace" }]);
    expect((await acceptRoutedFrom(client.namespace, ["Not A Name"])).body.error.details[0].path).toBe("acceptRoutedFrom.0");
    const read = (await (await call(`/api/namespaces/${client.namespace}`, { headers: adminHeaders() })).json()) as any;
    expect(read.namespace.acceptRoutedFrom).toEqual([]);
    expect((await acceptRoutedFrom(client.namespace, [hub.namespace, hub.namespace])).body.namespace.acceptRoutedFrom).toEqual([hub.namespace]);
    const empty = await call(`/api/namespaces/${client.namespace}`, { method: "PATCH", headers: adminHeaders(), body: "{}" });
    expect(empty.status).toBe(400);
  });
});

/** Everything tenant A holds that has an id or a name another tenant could try. */
async function populatedTenant() {
  const t = await newTenant("iso-a");
  expect((await send(t, "/v1/track", { userId: "iso-user", event: "Signup", messageId: `iso-${crypto.randomUUID()}`, properties: { secretPlan: "a-only" } })).status).toBe(200);
  const lead = await eventually(() => leadByUserId(t, "iso-user"));
  const destination = (await apiSend(t, "POST", "/api/destinations", { name: "a-hook", type: "webhook", config: { url: "https://hooks.customer.fake/a", headers: { Authorization: "Bearer a-token-0123456789" } } })).body.destination;
  const automation = (await apiSend(t, "POST", "/api/automations", { name: "a-auto", trigger: { type: "score_crosses", score: 1000 }, action: { type: "webhook", url: "https://hooks.customer.fake/a" } })).body.automation;
  const rule = (await apiSend(t, "POST", "/api/scoring-rules", { event: "a-secret-event", points: 5 })).body.rule;
  const account = (await apiSend(t, "POST", "/api/accounts", { platform: "lemlist", name: "a-account", apiKey: "a-lemlist-key-0123456789" })).body.account;
  const job = (await apiSend(t, "POST", "/api/sync/jobs", { platforms: ["smartlead"], mode: "full_historical" })).body;
  const org = await newOrg(t, "iso-app");
  expect((await orgSend(org, "POST", "/buffer/push", { namespace: "sdr", clerkOrgId: org.clerkOrgId, parentRunId: "r", leads: [{ email: "a-buffered@example.com", externalId: "e1", data: {} }] })).status).toBeLessThan(300);
  expect((await orgSend(org, "PUT", "/cursor/sdr", { state: { page: 7 } })).status).toBe(200);
  const webhookSource = await addWebhookSource(t, "lemlist");
  return { t, lead, destination, automation, rule, account, job, org, webhookSource };
}

describe("tenant isolation: every route with the other tenant's credentials", () => {
  it("answers 401/403/404 to each probe of A's things by B's API key, org key and write key, revealing nothing of A", async () => {
    const a = await populatedTenant();
    const b = await newTenant("iso-b");
    const orgB = await newOrg(b, "iso-app");
    const leadId = a.lead.id;
    const probes: [string, string, unknown?][] = [
      ["GET", `/api/leads/${leadId}`],
      ["GET", `/api/leads/${leadId}/intelligence`],
      ["GET", `/api/leads/${leadId}/timeline`],
      ["GET", `/api/leads/${leadId}/export`],
      ["DELETE", `/api/leads/${leadId}`],
      ["GET", `/api/leads/lookup?userId=iso-user`],
      ["GET", `/api/destinations/${a.destination.id}`],
      ["PUT", `/api/destinations/${a.destination.id}`, { name: "x", type: "webhook", config: { url: "https://hooks.customer.fake/b" } }],
      ["DELETE", `/api/destinations/${a.destination.id}`],
      ["POST", `/api/destinations/${a.destination.id}/test`],
      ["GET", `/api/destinations/${a.destination.id}/deliveries`],
      ["POST", `/api/destinations/${a.destination.id}/replay`],
      ["PUT", `/api/automations/${a.automation.id}`, { name: "x", trigger: { type: "score_crosses", score: 1 }, action: { type: "webhook", url: "https://hooks.customer.fake/b" } }],
      ["DELETE", `/api/automations/${a.automation.id}`],
      ["PUT", `/api/scoring-rules/${a.rule.id}`, { event: "x", points: 1 }],
      ["DELETE", `/api/scoring-rules/${a.rule.id}`],
      ["GET", `/api/accounts/${a.account.id}`],
      ["DELETE", `/api/accounts/${a.account.id}`],
      ["GET", `/api/sync/jobs/${a.job.job?.id ?? crypto.randomUUID()}`],
      ["DELETE", `/api/sync/jobs/${a.job.job?.id ?? crypto.randomUUID()}`],
      ["POST", `/api/sync/jobs`, { mode: "full_historical", namespaces: [a.t.namespace] }],
      ["GET", `/api/namespaces/${a.t.namespace}/stats`],
      ["GET", `/api/namespaces/${a.t.namespace}`],
      ["PATCH", `/api/namespaces/${a.t.namespace}`, { acceptRoutedFrom: [b.namespace] }],
      ["GET", `/api/namespaces/${a.t.namespace}/api-keys`],
      ["POST", `/api/namespaces/${a.t.namespace}/sources`, { name: "steal" }],
      ["DELETE", `/api/orgs/${(await api(a.t, "/api/orgs")).body.orgs[0].id}`],
      ["POST", `/api/orgs/${(await api(a.t, "/api/orgs")).body.orgs[0].id}/rotate`, {}],
      ["POST", `/api/secrets/re-encrypt`],
    ];
    // Each probe is answered exactly as the same probe of a thing that does not exist (ids and names swapped for fresh ones).
    const ids = [a.t.namespace, leadId, a.destination.id, a.automation.id, a.rule.id, a.account.id, a.job.job?.id, (await api(a.t, "/api/orgs")).body.orgs[0].id].filter(Boolean) as string[];
    const twins = new Map(ids.map((id) => [id, id === leadId ? "f".repeat(64) : id === a.t.namespace ? `nobody-${crypto.randomUUID().slice(0, 8)}` : crypto.randomUUID()]));
    const swap = (text: string, from: Map<string, string>) => [...from].reduce((s, [x, y]) => s.split(x).join(y), text);
    for (const [method, path, body] of probes) {
      const res = await apiSend(b, method, path, body);
      const text = JSON.stringify(res.body);
      expect([401, 403, 404], `${method} ${path}: ${res.status} ${text}`).toContain(res.status);
      for (const secret of [a.t.namespaceId, "a-token-0123456789", "a-lemlist-key", "a-secret-event", "secretPlan"]) expect(text, `${method} ${path}`).not.toContain(secret);
      const twin = await apiSend(b, method, swap(path, twins), body === undefined ? undefined : JSON.parse(swap(JSON.stringify(body), twins)));
      expect({ status: twin.status, body: twin.body }, `${method} ${path} vs a thing that does not exist`).toEqual({ status: res.status, body: JSON.parse(swap(text, twins)) });
    }
    // An API key acts on its own namespace whatever ?namespace= says.
    expect((await api(b, `/api/destinations?namespace=${a.t.namespace}`)).body).toEqual({ destinations: [] });
    // B's lists show only B's own things.
    for (const path of ["/api/leads", "/api/destinations", "/api/automations", "/api/scoring-rules", "/api/accounts", "/api/sync/jobs", "/api/orgs", "/api/leaderboard"]) {
      const res = await api(b, path);
      expect(res.status, path).toBe(200);
      expect(JSON.stringify(res.body), path).not.toMatch(new RegExp(`${a.t.namespace}|${leadId}|a-hook|a-auto|a-account|a-secret-event|iso-user`));
    }
    // A's things are all still there, unchanged.
    expect((await api(a.t, `/api/destinations/${a.destination.id}`)).status).toBe(200);
    expect((await api(a.t, `/api/automations`)).body.automations).toHaveLength(1);
    expect((await api(a.t, `/api/leads/${leadId}`)).status).toBe(200);

    // B's org key reaches B's org only: A's buffer, cursor and leads stay unseen.
    expect((await orgSend(orgB, "GET", "/cursor/sdr")).body).not.toMatchObject({ state: { page: 7 } });
    const next = await orgSend(orgB, "POST", "/buffer/next", { namespace: "sdr", parentRunId: "b-run" });
    expect(JSON.stringify(next.body)).not.toContain("a-buffered@example.com");
    const served = await orgSend(orgB, "GET", `/leads?namespace=sdr`);
    expect(JSON.stringify(served.body)).not.toContain("a-buffered@example.com");
    // A's org id with B's org key, and B's org id with A's key: refused.
    expect((await call("/buffer/next", { method: "POST", headers: { ...orgHeaders(orgB), "X-Org-Id": a.org.clerkOrgId, "X-App-Id": "other-app" }, body: "{}" })).status).toBe(403);
    const pushAsA = await orgSend(orgB, "POST", "/buffer/push", { namespace: "sdr", clerkOrgId: a.org.clerkOrgId, parentRunId: "r", leads: [{ email: "x@example.com", externalId: "x", data: {} }] });
    expect(pushAsA.status).toBe(403);
  });

  it("keeps every way data enters in its own namespace: SDK, batch, webhooks and buffer", async () => {
    const a = await newTenant("iso-a");
    const b = await newTenant("iso-b");
    const messageId = `shared-${crypto.randomUUID()}`;
    // The same user and messageId in both namespaces: two leads, each counting its own event.
    expect((await send(a, "/v1/track", { userId: "same-user", event: "Signup", messageId })).status).toBe(200);
    expect((await send(b, "/v1/batch", { batch: [{ type: "track", userId: "same-user", event: "Signup", messageId }] })).status).toBe(200);
    const [leadA, leadB] = await Promise.all([eventually(() => leadByUserId(a, "same-user")), eventually(() => leadByUserId(b, "same-user"))]);
    expect(leadA.id).not.toBe(leadB.id);
    expect(leadA.eventCount).toBe(1);
    expect(leadB.eventCount).toBe(1);
    // A write key cannot name another namespace's project in the SDK settings call, nor read its config.
    const settings = await call(`/v1/projects/${a.writeKey}/settings`);
    const settingsB = await call(`/v1/projects/${b.writeKey}/settings`);
    expect(JSON.stringify(await settingsB.json())).not.toContain(a.namespace);
    expect(settings.status).toBeLessThan(500);
    // A wrong write key is a 401 and stores nothing.
    expect((await call("/v1/track", { method: "POST", headers: { Authorization: basic("wk_not_a_key"), "Content-Type": "application/json" }, body: JSON.stringify({ userId: "x", event: "Signup" }) })).status).toBe(401);
    // A's webhook source secret does not open B's webhook source.
    const hookA = await addWebhookSource(a, "lemlist");
    const hookB = await addWebhookSource(b, "lemlist");
    expect((await hook({ ...hookB, secret: hookA.secret }, lemlistHook({ type: "emailsOpened", leadEmail: "cross@example.com" }))).status).toBe(401);
    expect(await leadByEmail(b, "cross@example.com")).toBeUndefined();
    expect(await leadByEmail(a, "cross@example.com")).toBeUndefined();
  });
});
