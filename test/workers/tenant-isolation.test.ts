import { afterEach, describe, expect, it } from "vitest";
import { adminHeaders, api, apiSend, call, eventually, newTenant } from "./helpers";
import { acceptRoutedFrom, addAccount, addWebhookSource, hook, jobEnded, leadByEmail, setKeywords, startSync } from "./outreach-helpers";
import { installFakes } from "../fakes/fake-service";
import { LEMLIST_KEY, lemlistActivities, lemlistFake, lemlistHook } from "../fakes/outreach";

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

  it("is set by the admin token only, names each unknown namespace, and lists what a namespace accepts", async () => {
    const hub = await newTenant("hub");
    const client = await newTenant("client");
    const asKey = await apiSend(client, "PATCH", `/api/namespaces/${client.namespace}`, { acceptRoutedFrom: [hub.namespace] });
    expect(asKey.status).toBe(401);
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
