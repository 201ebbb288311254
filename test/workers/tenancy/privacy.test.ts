import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { api, apiSend, call, eventually, leadByUserId, newOrg, newTenant, orgSend, send, timelineOf, type Tenant } from "../helpers";
import { addWebhookSource, hook } from "../outreach-helpers";
import { lemlistHook } from "../../fakes/outreach";
import { installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";
import { leadObjectName } from "../../../src/ingest/lead-name";
import { sha256Hex } from "../../../src/http/crypto";
import type { LeadObject } from "../../../durable/lead-object";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const homeOf = (t: Tenant, kind: string, value: string) => env.LEAD.getByName(leadObjectName(t.namespaceId, kind, value));
const idOfHome = (t: Tenant, kind: string, value: string) => env.LEAD.idFromName(leadObjectName(t.namespaceId, kind, value)).toString();

async function d1Count(sql: string, ...params: unknown[]): Promise<number> {
  return (await env.DB.prepare(sql).bind(...params).first<{ n: number }>())!.n;
}

/** Row counts of every table of a lead object's storage (its meta holds the cursors that stand for an outbox). */
async function storedRows(stub: DurableObjectStub<LeadObject>) {
  return runInDurableObject(stub, (_instance, state) => {
    const count = (table: string) => state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
    const meta = state.storage.sql.exec<{ key: string }>("SELECT key FROM meta ORDER BY key").toArray().map((r) => r.key);
    return { events: count("events"), identities: count("identities"), conflicts: count("conflicts"), stageChanges: count("stage_changes"), meta };
  });
}

/** A lead built from two: an anonymous visitor who later signs up (a merge), with an email. */
async function mergedLead(t: Tenant, userId: string) {
  await send(t, "/v1/page", { anonymousId: `${userId}-anon`, properties: { path: "/pricing" } });
  await send(t, "/v1/identify", { userId, anonymousId: `${userId}-anon`, traits: { email: `${userId.toUpperCase()}@Example.com` } });
  await send(t, "/v1/track", { userId, event: "Demo Request" });
  return leadByUserId(t, userId);
}

describe("erase", () => {
  it("removes the lead from its objects and D1, suppresses its identities, and drops and counts later events", async () => {
    const t = await newTenant();
    const lead = await mergedLead(t, "alice");
    await send(t, "/v1/track", { userId: "bob", event: "Signup" }); // a bystander
    expect(lead.identities.map((i: any) => i.kind).sort()).toEqual(["anonymousId", "email", "userId"]);
    await eventually(async () => expect(await d1Count("SELECT count(*) AS n FROM lead_projection WHERE lead_id = ?", lead.id)).toBe(1));

    const erased = await apiSend(t, "DELETE", `/api/leads/${lead.id}`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ erased: lead.id, identitiesSuppressed: 3 });

    // Nothing answers for it any more.
    expect((await api(t, `/api/leads/${lead.id}`)).status).toBe(404);
    expect((await api(t, `/api/leads/${lead.id}/timeline`)).status).toBe(404);
    for (const q of ["userId=alice", "anonymousId=alice-anon", "email=alice%40example.com"]) {
      expect((await api(t, `/api/leads/lookup?${q}`)).status).toBe(404);
    }
    expect((await apiSend(t, "DELETE", `/api/leads/${lead.id}`)).status).toBe(404);

    // The lead object and the merged-away visitor's object hold only the erased mark.
    for (const stub of [env.LEAD.get(env.LEAD.idFromString(lead.id)), homeOf(t, "anonymousId", "alice-anon"), homeOf(t, "email", "alice@example.com")]) {
      expect(await storedRows(stub)).toEqual({ events: 0, identities: 0, conflicts: 0, stageChanges: 0, meta: ["erased", "name"] });
    }
    // D1: no identity row, projection row or delivery of any of its objects; tombstoned; identities kept only as hashes.
    const ids = [lead.id, idOfHome(t, "anonymousId", "alice-anon"), idOfHome(t, "email", "alice@example.com")];
    const marks = ids.map(() => "?").join(",");
    expect(await d1Count(`SELECT count(*) AS n FROM lead_identities WHERE lead_id IN (${marks})`, ...ids)).toBe(0);
    expect(await d1Count("SELECT count(*) AS n FROM lead_identities WHERE namespace_id = ? AND value LIKE 'alice%'", t.namespaceId)).toBe(0);
    expect(await d1Count(`SELECT count(*) AS n FROM lead_projection WHERE lead_id IN (${marks})`, ...ids)).toBe(0);
    expect(await d1Count("SELECT count(*) AS n FROM lead_tombstones WHERE lead_id = ? AND reason = 'erased'", lead.id)).toBe(1);
    const hashes = (await env.DB.prepare("SELECT identity_hash AS h FROM suppressed_identities WHERE namespace_id = ?").bind(t.namespaceId).all<{ h: string }>()).results.map((r) => r.h);
    expect(hashes.sort()).toEqual(
      (await Promise.all(["userId/alice", "anonymousId/alice-anon", "email/alice@example.com"].map((n) => sha256Hex(`${t.namespaceId}/${n}`)))).sort(),
    );

    // Later events naming any of its identities: answered as a success, dropped, counted.
    for (const [path, body] of [
      ["/v1/track", { userId: "alice", event: "Signup" }],
      ["/v1/page", { anonymousId: "alice-anon" }],
      ["/v1/identify", { anonymousId: "new-device", traits: { email: "Alice@example.com" } }],
    ] as const) {
      const res = await send(t, path, body);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ success: true });
    }
    const batch = await send(t, "/v1/batch", { batch: [{ type: "track", userId: "alice", event: "x" }, { type: "track", userId: "bob", event: "Login" }] });
    expect(await batch.json()).toEqual({ success: true });
    expect((await api(t, "/api/leads/lookup?anonymousId=new-device")).status).toBe(404);
    expect((await api(t, "/api/leads/lookup?userId=alice")).status).toBe(404);
    expect((await leadByUserId(t, "bob")).eventCount).toBe(2);
    const stats = (await api(t, `/api/namespaces/${t.namespace}/stats`)).body;
    expect(stats.suppression).toEqual({ identities: 3, droppedEvents: 4 });
  });

  it("clears the lead's email from lead-service buffers and the enrichment cache, and drops later outreach activity for it", async () => {
    const t = await newTenant();
    const org = await newOrg(t);
    await orgSend(org, "POST", "/buffer/push", { namespace: "sdr", clerkOrgId: org.clerkOrgId, leads: [{ email: "Erin@Example.com" }, { email: "frank@example.com" }] });
    const lead = await mergedLead(t, "erin");
    // The lead's new email went through the enrichment queue into the global cache.
    await eventually(async () => expect(await d1Count("SELECT count(*) AS n FROM enrichment_cache WHERE email = 'erin@example.com' AND state = 'done'")).toBe(1));

    expect((await apiSend(t, "DELETE", `/api/leads/${lead.id}`)).status).toBe(200);
    expect(await d1Count("SELECT count(*) AS n FROM buffered_leads WHERE email = 'erin@example.com'")).toBe(0);
    expect(await d1Count("SELECT count(*) AS n FROM enrichment_cache WHERE email = 'erin@example.com'")).toBe(0);
    // Another email in the same buffer stays.
    expect((await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: "r1" })).body.lead.email).toBe("frank@example.com");

    const source = await addWebhookSource(t, "lemlist");
    const late = await hook(source, lemlistHook({ type: "emailsOpened", leadEmail: "erin@example.com" }));
    expect(late.status).toBe(200);
    expect((await api(t, "/api/leads/lookup?email=erin%40example.com")).status).toBe(404);
    expect((await api(t, `/api/namespaces/${t.namespace}/stats`)).body.suppression.droppedEvents).toBe(1);
  });

  it("reaches an erased userId's events even in an isolate that has not seen the erasure (the lead object drops them)", async () => {
    const t = await newTenant();
    const lead = await mergedLead(t, "carol");
    await apiSend(t, "DELETE", `/api/leads/${lead.id}`);
    // Straight to the lead object, as a Worker with a stale suppression cache would send it.
    const name = leadObjectName(t.namespaceId, "userId", "carol");
    const result = await env.LEAD.getByName(name).ingest(t.namespaceId, name, [
      { messageId: "late-1", type: "track", name: "signup", timestamp: Date.now(), receivedAt: Date.now(), identities: [{ kind: "userId", value: "carol" }], body: "{}" },
    ]);
    expect(result).toMatchObject({ accepted: 0, suppressed: 1 });
    expect((await storedRows(env.LEAD.getByName(name))).events).toBe(0);
    // A new lead that learns an erased email does not take it on (the email's home answers "erased").
    const other = leadObjectName(t.namespaceId, "userId", "dave");
    await env.LEAD.getByName(other).ingest(t.namespaceId, other, [
      {
        messageId: "d-1",
        type: "identify",
        name: "identify",
        timestamp: Date.now(),
        receivedAt: Date.now(),
        identities: [{ kind: "userId", value: "dave" }, { kind: "email", value: "carol@example.com" }],
        body: JSON.stringify({ traits: { email: "carol@example.com" } }),
      },
    ]);
    expect((await leadByUserId(t, "dave")).identities).toEqual([{ kind: "userId", value: "dave" }]);
    expect((await api(t, `/api/namespaces/${t.namespace}/stats`)).body.suppression.droppedEvents).toBe(1);
  });

  it("sends nothing the erased lead still owed destinations", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    await send(t, "/v1/track", { userId: "erin", event: "Signup", messageId: "erin-1" });
    const erin = await leadByUserId(t, "erin");
    // Erased before its alarm sent the outbox (5 s after the change).
    expect((await apiSend(t, "DELETE", `/api/leads/${erin.id}`)).status).toBe(200);
    await send(t, "/v1/track", { userId: "frank", event: "Signup", messageId: "frank-1" });
    await eventually(() => {
      expect(hook.requests.map((r) => JSON.parse(r.body).messageId)).toContain("frank-1");
      return Promise.resolve();
    });
    expect(hook.requests.map((r) => JSON.parse(r.body).lead.userId)).not.toContain("erin");
    // A batch already on the queue for an erased lead is dropped by the consumer.
    await env.DESTINATIONS.send({
      kind: "lead-batch",
      batchId: "late",
      namespaceId: t.namespaceId,
      leadId: erin.id,
      items: [{ messageId: "erin-late", kind: "event", lead: { ...erin, userId: "erin" }, event: { type: "track", event: "Signup" } }],
    });
    await send(t, "/v1/track", { userId: "frank", event: "Login", messageId: "frank-2" });
    await eventually(() => {
      expect(hook.requests.map((r) => JSON.parse(r.body).messageId)).toContain("frank-2");
      return Promise.resolve();
    }, 30_000);
    expect(hook.requests.map((r) => JSON.parse(r.body).messageId)).not.toContain("erin-late");
    expect(await d1Count("SELECT count(*) AS n FROM deliveries WHERE lead_id = ?", erin.id)).toBe(0);
  });

  it("drops a late batch of a lead erased after its shard had delivered for it (the shard does not trust what it knew)", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    await send(t, "/v1/track", { userId: "gina", event: "Signup", messageId: "gina-1" });
    // Delivered: gina's shard has checked her tombstone and found none.
    await eventually(() => Promise.resolve(expect(hook.requests.map((r) => JSON.parse(r.body).messageId)).toContain("gina-1")), 30_000);
    const gina = await leadByUserId(t, "gina");
    expect((await apiSend(t, "DELETE", `/api/leads/${gina.id}`)).status).toBe(200);
    await env.DESTINATIONS.send({
      kind: "lead-batch",
      batchId: "late",
      namespaceId: t.namespaceId,
      leadId: gina.id,
      items: [{ messageId: "gina-late", kind: "event", lead: { ...gina, userId: "gina" }, event: { type: "track", event: "Signup" } }],
    });
    await send(t, "/v1/track", { userId: "hal", event: "Login", messageId: "hal-1" });
    await eventually(() => Promise.resolve(expect(hook.requests.map((r) => JSON.parse(r.body).messageId)).toContain("hal-1")), 30_000);
    // Whichever shard took hal's item, give gina's shard a round after the late batch.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(hook.requests.map((r) => JSON.parse(r.body).messageId)).not.toContain("gina-late");
  });

  it("keeps erased and merged-away leads out of the projection when an older summary arrives late", async () => {
    const t = await newTenant();
    const lead = await mergedLead(t, "gina");
    await apiSend(t, "DELETE", `/api/leads/${lead.id}`);
    const merged = idOfHome(t, "anonymousId", "zed-anon");
    const control = idOfHome(t, "userId", "control");
    const summary = (leadId: string, version: number) => ({
      kind: "upsert" as const,
      namespaceId: t.namespaceId,
      leadId,
      version,
      scoringVersion: 0,
      eventCount: 1,
      firstSeen: 1,
      lastActivity: 1,
      score: 5,
      behaviourScore: 5,
      icpScore: 0,
      stage: "cold",
      grade: "F",
      velocity: 0,
      userId: null,
      email: null,
    });
    await env.PROJECTION.send({ kind: "delete", namespaceId: t.namespaceId, leadId: merged, version: 3 });
    await eventually(async () => expect(await d1Count("SELECT count(*) AS n FROM lead_tombstones WHERE lead_id = ?", merged)).toBe(1));
    await env.PROJECTION.sendBatch([{ body: summary(lead.id, 1) }, { body: summary(merged, 2) }, { body: summary(control, 1) }]);
    await eventually(async () => expect(await d1Count("SELECT count(*) AS n FROM lead_projection WHERE lead_id = ?", control)).toBe(1));
    expect(await d1Count("SELECT count(*) AS n FROM lead_projection WHERE lead_id IN (?, ?)", lead.id, merged)).toBe(0);
  });
});

describe("export", () => {
  it("returns everything held about the lead as JSON: summary, identities, every event, merges, stage changes, deliveries, projection", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    const destination = (await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } })).body.destination;
    const lead = await mergedLead(t, "hana");
    for (let i = 0; i < 30; i++) await send(t, "/v1/page", { userId: "hana", messageId: `hana-page-${i}`, properties: { i } });
    const timeline = await timelineOf(t, lead.id);
    await eventually(async () => {
      const log = (await api(t, `/api/destinations/${destination.id}/deliveries?status=delivered&limit=500`)).body.deliveries;
      expect(log.filter((d: any) => d.messageId.startsWith("hana-page-"))).toHaveLength(30);
      expect(await d1Count("SELECT count(*) AS n FROM lead_projection WHERE lead_id = ? AND event_count = 33", lead.id)).toBe(1);
    }, 30_000);

    const res = await call(`/api/leads/${lead.id}/export`, { headers: { Authorization: `Bearer ${t.apiKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Disposition")).toContain(`lead-${lead.id}.json`);
    const doc: any = await res.json();
    expect(doc.lead).toMatchObject({ id: lead.id, userId: "hana", email: "hana@example.com", eventCount: 33 });
    expect(doc.identities.map((i: any) => `${i.kind}:${i.value}`).sort()).toEqual(["anonymousId:hana-anon", "email:hana@example.com", "userId:hana"]);
    expect(doc.events).toHaveLength(timeline.length); // not paged
    expect(doc.events.map((e: any) => e.messageId)).toEqual(timeline.map((e) => e.messageId));
    expect(doc.merges).toHaveLength(1);
    expect(doc.stageChanges.length).toBeGreaterThan(0);
    const delivered = doc.deliveries.map((d: any) => d.messageId);
    for (let i = 0; i < 30; i++) expect(delivered).toContain(`hana-page-${i}`);
    expect(doc.deliveries.every((d: any) => d.status === "delivered")).toBe(true);
    expect(doc.projection).toMatchObject({ leadId: lead.id, eventCount: 33 });

    const other = await newTenant();
    expect((await api(other, `/api/leads/${lead.id}/export`)).status).toBe(404);
  });
});
