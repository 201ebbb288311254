/**
 * The Lead Service's README (seed 002), replayed against /compat/lead-service:
 * every request it shows, with its bodies verbatim (plus a key), and the
 * statuses and answer fields it documents.
 */
import { afterEach, describe, expect, it } from "vitest";
import { call, newOrg, newTenant, orgSend, type OrgClient } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { apolloFake, hunterFake, llmFake } from "../../fakes/enrichment";

const BASE = "/compat/lead-service";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The seed's three headers, with the org's own ids, and the body exactly as written. */
async function seed(org: OrgClient, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await call(`${BASE}${path}`, {
    method,
    headers: { "X-API-Key": org.apiKey, "X-App-Id": org.appId, "X-Org-Id": org.clerkOrgId, "Content-Type": "application/json", ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The README's push body, its org id swapped for the test org's. */
const pushBody = (org: OrgClient, namespace = "campaign-123") => `{
  "namespace": "${namespace}",
  "brandId": "brand-abc",
  "clerkOrgId": "${org.clerkOrgId}",
  "clerkUserId": "user_123",
  "parentRunId": "run_abc",
  "leads": [
    {
      "email": "john@example.com",
      "externalId": "apollo_123",
      "data": { "name": "John" }
    }
  ]
}`;

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe("Lead Service compat", () => {
  it("GET /health answers { status: ok } without a key", async () => {
    const res = await call(`${BASE}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("push, then next serves on pull: the lead is handed out once and never buffered again", async () => {
    const org = await newOrg(await newTenant("ls"));
    const pushed = await seed(org, "POST", "/buffer/push", pushBody(org));
    expect(pushed.status).toBe(200);
    expect(pushed.body).toEqual({ buffered: 1, skippedAlreadyServed: 0 });

    const next = await seed(org, "POST", "/buffer/next", `{
  "namespace": "campaign-123",
  "parentRunId": "run_abc"
}`);
    expect(next.status).toBe(200);
    expect(next.body.found).toBe(true);
    expect(next.body.lead).toMatchObject({
      email: "john@example.com",
      externalId: "apollo_123",
      data: { name: "John" },
      brandId: "brand-abc",
      clerkOrgId: org.clerkOrgId,
      clerkUserId: "user_123",
    });

    // Served at once: no ack, and the buffer is empty for the next caller, whatever its run.
    const empty = await seed(org, "POST", "/buffer/next", '{"namespace": "campaign-123", "parentRunId": "run_other"}');
    expect(empty.body).toEqual({ found: false });
    const again = await seed(org, "POST", "/buffer/push", pushBody(org));
    expect(again.body).toEqual({ buffered: 0, skippedAlreadyServed: 1 });

    // The native API sees the lead served too (one core).
    const stats = await orgSend(org, "GET", "/buffer/stats/campaign-123");
    expect(stats.body).toMatchObject({ buffered: 0, claimed: 0, served: 1 });
  });

  it("GET /leads lists served leads with ISO servedAt and the flat enrichment, filtered as documented", async () => {
    const org = await newOrg(await newTenant("ls"));
    restore = installFakes(
      llmFake({}),
      hunterFake({}),
      apolloFake({ "john@example.com": { firstName: "John", lastName: "Doe", title: "CEO", company: "Acme Inc", employees: 120, annualRevenue: 5_000_000, fundingStage: "Series A" } }),
    );
    await seed(org, "POST", "/buffer/push", pushBody(org));
    await seed(org, "POST", "/buffer/next", '{"namespace": "campaign-123", "parentRunId": "run_abc"}');

    const enriched = await seed(org, "POST", "/enrich", `{
  "email": "john@example.com"
}`);
    expect(enriched.status).toBe(200);
    expect(enriched.body).toMatchObject({
      email: "john@example.com",
      firstName: "John",
      lastName: "Doe",
      title: "CEO",
      organizationName: "Acme Inc",
      organizationDomain: "example.com",
      organizationSize: "51-200",
      cached: false,
    });
    // "id": "uuid", as the seed shows it: the cache entry's, the same on every call.
    expect(enriched.body.id).toMatch(UUID);
    expect(enriched.body).toHaveProperty("linkedinUrl");
    expect(enriched.body).toHaveProperty("organizationIndustry");
    const again = (await seed(org, "POST", "/enrich", '{"email": "john@example.com"}')).body;
    expect(again).toMatchObject({ cached: true, id: enriched.body.id });

    const listed = await seed(org, "GET", `/leads?brandId=brand-abc&clerkOrgId=${org.clerkOrgId}`);
    expect(listed.status).toBe(200);
    expect(listed.body.leads).toHaveLength(1);
    const [lead] = listed.body.leads;
    expect(lead).toMatchObject({
      email: "john@example.com",
      namespace: "campaign-123",
      brandId: "brand-abc",
      clerkOrgId: org.clerkOrgId,
      clerkUserId: "user_123",
      enrichment: { firstName: "John", lastName: "Doe", title: "CEO", organizationName: "Acme Inc" },
    });
    expect(lead.id).toMatch(UUID);
    expect(lead.id).not.toBe(enriched.body.id);
    expect((await seed(org, "GET", "/leads?clerkUserId=user_123")).body.leads[0].id).toBe(lead.id);
    expect(lead.servedAt).toBe(new Date(Date.parse(lead.servedAt)).toISOString());
    expect(Date.now() - Date.parse(lead.servedAt)).toBeLessThan(60_000);
    expect((await seed(org, "GET", "/leads?brandId=brand-123")).body.leads).toEqual([]);
    expect((await seed(org, "GET", "/leads?clerkUserId=user_123")).body.leads).toHaveLength(1);
  });

  it("cursors: GET answers { state }, PUT answers { ok: true }", async () => {
    const org = await newOrg(await newTenant("ls"));
    expect((await seed(org, "GET", "/cursor/campaign-123")).body).toEqual({ state: null });
    const put = await seed(org, "PUT", "/cursor/campaign-123", `{
  "state": { "page": 5, "offset": 100 }
}`);
    expect(put).toEqual({ status: 200, body: { ok: true } });
    expect(await seed(org, "GET", "/cursor/campaign-123")).toEqual({ status: 200, body: { state: { page: 5, offset: 100 } } });
  });

  it("a namespace API key works too, with X-Org-Id and X-App-Id naming one of its orgs", async () => {
    const tenant = await newTenant("ls");
    const org = await newOrg(tenant);
    const viaNamespaceKey = { ...org, apiKey: tenant.apiKey };
    expect((await seed(viaNamespaceKey, "POST", "/buffer/push", pushBody(org))).body).toEqual({ buffered: 1, skippedAlreadyServed: 0 });
    const bearer = await call(`${BASE}/cursor/x`, { headers: { Authorization: `Bearer ${tenant.apiKey}`, "X-Org-Id": org.clerkOrgId, "X-App-Id": org.appId } });
    expect(bearer.status).toBe(200);

    const stranger = await newOrg(await newTenant("ls"));
    const crossTenant = await seed({ ...stranger, apiKey: tenant.apiKey }, "GET", "/cursor/x");
    expect(crossTenant.status).toBe(403);
    const wrongOrgHeader = await seed({ ...org, clerkOrgId: stranger.clerkOrgId }, "GET", "/cursor/x");
    expect(wrongOrgHeader.status).toBe(403);
    const noHeaders = await call(`${BASE}/cursor/x`, { headers: { "X-API-Key": tenant.apiKey } });
    expect(noHeaders.status).toBe(400);
    expect((await call(`${BASE}/cursor/x`)).status).toBe(401);
  });

  it("bad input names the field and changes nothing", async () => {
    const org = await newOrg(await newTenant("ls"));
    const bad = await seed(org, "POST", "/buffer/push", JSON.stringify({ namespace: "n", clerkOrgId: org.clerkOrgId, leads: [{ email: "not-an-email" }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["leads.0.email"]);
    expect((await seed(org, "POST", "/buffer/next", '{"namespace": "n"}')).body).toEqual({ found: false });
  });
});
