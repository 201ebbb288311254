import { describe, expect, it } from "vitest";
import { apiSend, eventually, leadByUserId, newTenant } from "../helpers";
import { checkBatching, checkDeadLetters, checkRetries, deliveries, sendLeads, setUp, type DestinationCase } from "./messaging-search-salesforce-checks";
import { salesforceFake } from "../../fakes/messaging-search-salesforce";

const CLIENT_ID = "3MVG9-consumer-key";
const CLIENT_SECRET = "consumer-secret-0123";
type SalesforceFake = ReturnType<typeof salesforceFake>;

const crm: DestinationCase = {
  name: "crm",
  type: "salesforce",
  config: { instanceUrl: "https://acme.salesforce.fake", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  fake: () => salesforceFake(CLIENT_ID, CLIENT_SECRET),
  itemsIn: (r) => (r.url.pathname.includes("/composite/sobjects") ? JSON.parse(r.body).records.length : 0),
  check(r) {
    if (r.url.pathname === "/services/oauth2/token") {
      expect(r.headers.get("Content-Type")).toBe("application/x-www-form-urlencoded");
      return;
    }
    expect(r.headers.get("Authorization")).toMatch(/^Bearer 00D-token-\d+$/);
    const body = JSON.parse(r.body);
    expect(body.allOrNone).toBe(false);
    for (const record of body.records) {
      expect(record).toMatchObject({ attributes: { type: "Lead" }, Email: expect.stringMatching(/@acme\.example$/), Lead_Score__c: expect.any(Number), Lead_Stage__c: expect.any(String) });
      // The placeholders go only into creations, never into an upsert that could overwrite a real name.
      if (r.method === "PATCH") expect(record).not.toHaveProperty("LastName");
    }
  },
  itemsPerLead: 1, // the lead's score change
  maxItems: 200,
  permanent: { status: 400, body: JSON.stringify([{ errorCode: "JSON_PARSER_ERROR", message: "Unexpected character" }]) },
  retryable: [{ status: 503 }, { status: 500 }],
};

describe("salesforce destination", () => {
  it("upserts many leads by email in few calls, creating the new ones with placeholders", async () => {
    const { fake, t } = await checkBatching(crm, 30);
    const org = fake as SalesforceFake;
    expect(org.leads.size).toBe(30);
    const lead = await leadByUserId(t, "lead-7");
    expect(org.leads.get("lead-7@acme.example")).toMatchObject({ LastName: "[not provided]", Company: "[not provided]", Lead_Score__c: lead.score, Lead_Stage__c: lead.stage });
    // One token per delivery shard at most, not one per call.
    expect(org.tokensIssued()).toBeLessThanOrEqual(4);
  });
  it("retries 5xx, then delivers everything", () => checkRetries(crm));
  it("turns a permanent 4xx into dead letters", () => checkDeadLetters(crm));

  it("updates an existing Lead without touching its name; a record's own error is its dead letter; an expired token is renewed", async () => {
    const { fake, uninstall, t, destination } = await setUp(crm);
    const org = fake as SalesforceFake;
    try {
      org.leads.set("known-0@acme.example", { Id: "00Q000000000000042", Email: "known-0@acme.example", LastName: "Lovelace", Company: "Analytical Engines" });
      org.refuse.add("known-2@acme.example");
      await sendLeads(t, 3, () => [{ event: "Demo Request" }], "known");
      await eventually(async () => expect((await deliveries(t, destination.id)).counts).toEqual({ delivered: 2, dead: 1 }), 30_000);
      const dead = (await deliveries(t, destination.id, "dead")).deliveries[0];
      expect(dead.lastError).toMatch(/^FIELD_CUSTOM_VALIDATION_EXCEPTION: /);
      expect(org.leads.get("known-0@acme.example")).toMatchObject({ Id: "00Q000000000000042", LastName: "Lovelace", Company: "Analytical Engines", Lead_Stage__c: expect.any(String) });
      expect(org.leads.get("known-1@acme.example")).toMatchObject({ LastName: "[not provided]" });

      org.expireTokens();
      const issued = org.tokensIssued();
      await sendLeads(t, 1, () => [{ event: "Demo Request" }, { event: "Pricing Page" }], "later");
      await eventually(async () => expect((await deliveries(t, destination.id)).counts).toEqual({ delivered: 3, dead: 1 }), 30_000);
      expect(org.tokensIssued()).toBeGreaterThan(issued);
      expect(org.requests.some((r) => r.body.includes(CLIENT_SECRET) && r.url.pathname !== "/services/oauth2/token")).toBe(false);
    } finally {
      uninstall();
    }
  });

  it("needs client credentials or a token, and never shows them back", async () => {
    const t = await newTenant();
    const bad = await apiSend(t, "POST", "/api/destinations", { name: "x", type: "salesforce", config: { instanceUrl: "https://acme.salesforce.fake", clientId: CLIENT_ID } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["config.clientSecret"]);
    const guarded = await apiSend(t, "POST", "/api/destinations", { name: "x", type: "salesforce", config: { ...crm.config, instanceUrl: "http://169.254.169.254" } });
    expect(guarded.body.error?.details?.[0]?.path).toBe("config.instanceUrl");
    const created = await apiSend(t, "POST", "/api/destinations", { name: "x", type: "salesforce", config: crm.config });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(CLIENT_SECRET);
  });
});
