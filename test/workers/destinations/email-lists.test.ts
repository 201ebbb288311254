import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { eventually, leadByUserId } from "../helpers";
import { checkBatching, checkDeadLetters, checkRetries, deliveries, sendLeads, setUp, type DestinationCase } from "./messaging-search-salesforce-checks";
import { mailchimpFake, sendgridFake } from "../../fakes/messaging-search-salesforce";
import { mailchimpBase } from "../../../src/destinations/mailchimp";

const LIST = "5f7c6a2e-1b1d-4c11-9a43-3c1fb1f0a111";

const cases: DestinationCase[] = [
  {
    name: "marketing",
    type: "sendgrid",
    config: { apiKey: "SG.test-key", listIds: [LIST], customFields: { score: "e1_N", stage: "e2_T", grade: "e3_T" } },
    fake: sendgridFake,
    itemsIn: (r) => JSON.parse(r.body).contacts.length,
    check(r) {
      expect(r.method).toBe("PUT");
      expect(r.headers.get("Authorization")).toBe("Bearer SG.test-key");
      const body = JSON.parse(r.body);
      expect(body.list_ids).toEqual([LIST]);
      const emails = body.contacts.map((c: any) => c.email);
      expect(new Set(emails).size).toBe(emails.length); // one contact per email in a call
      for (const contact of body.contacts) {
        expect(contact.email).toMatch(/@acme\.example$/);
        expect(contact.custom_fields).toEqual({ e1_N: expect.any(Number), e2_T: expect.any(String), e3_T: expect.any(String) });
      }
    },
    itemsPerLead: 1, // the lead's score change (its events are not sent)
    maxItems: 30_000,
    permanent: { status: 400, body: JSON.stringify({ errors: [{ field: "contacts[0].custom_fields", message: "custom field not found" }] }) },
    retryable: [{ status: 429, headers: { "Retry-After": "0" } }, { status: 500 }],
  },
  {
    name: "audience",
    type: "mailchimp",
    config: { apiKey: "mc-key-us21", listId: "a1b2c3d4e5" },
    fake: mailchimpFake,
    itemsIn: (r) => JSON.parse(r.body).members.length,
    check(r) {
      expect(r.url.pathname).toBe("/3.0/lists/a1b2c3d4e5");
      expect(r.headers.get("Authorization")).toBe(`Basic ${btoa("leadflare:mc-key-us21")}`);
      const body = JSON.parse(r.body);
      expect(body.update_existing).toBe(true);
      for (const member of body.members) {
        expect(member).toMatchObject({ email_address: expect.stringMatching(/@acme\.example$/), status: "transactional" });
        expect(Object.keys(member.merge_fields)).toEqual(["LEADSCORE", "LEADSTAGE", "LEADGRADE"]);
      }
    },
    itemsPerLead: 1, // the lead's score change (its events are not sent)
    maxItems: 500,
    permanent: { status: 400, body: JSON.stringify({ title: "Invalid Resource", status: 400 }) },
    retryable: [{ status: 429, headers: { "Retry-After": "0" } }, { status: 503 }],
  },
];

describe.each(cases)("$type destination", (c) => {
  it("upserts many leads' contacts in few calls, one per email, at most the API's batch each", () => checkBatching(c));
  it("retries 429 and 5xx, then delivers everything", () => checkRetries(c));
  it("turns a permanent 4xx into dead letters", () => checkDeadLetters(c));
});

describe("email list destinations", () => {
  it("SendGrid: each contact ends with its lead's latest score and stage", async () => {
    const { fake, t } = await checkBatching(cases[0]!, 5);
    const sendgrid = fake as ReturnType<typeof sendgridFake>;
    for (let i = 0; i < 5; i++) {
      const lead = await leadByUserId(t, `lead-${i}`);
      expect(sendgrid.contacts.get(`lead-${i}@acme.example`).custom_fields).toMatchObject({ e1_N: lead.score, e2_T: lead.stage });
    }
  });

  it("Mailchimp: members the batch answer refuses are dead letters, the others delivered", async () => {
    const c = cases[1]!;
    const { fake, uninstall, t, destination } = await setUp(c);
    try {
      (fake as ReturnType<typeof mailchimpFake>).refuse.add("mixed-1@acme.example");
      await sendLeads(t, 3, () => [{ event: "Demo Request" }], "mixed");
      const members = (fake as ReturnType<typeof mailchimpFake>).members;
      // Each lead reaches the shard on its own schedule: wait for the outcome, not for a quiet moment.
      await eventually(async () => {
        const log = await deliveries(t, destination.id);
        expect(log.counts.dead).toBeGreaterThan(0);
        expect(log.counts.pending ?? 0).toBe(0);
        expect([...members.keys()].sort()).toEqual(["mixed-0@acme.example", "mixed-2@acme.example"]);
      }, 30_000);
      const dead = (await deliveries(t, destination.id, "dead")).deliveries;
      expect(new Set(dead.map((d: any) => d.leadId)).size).toBe(1);
      expect(dead[0].lastError).toMatch(/^ERROR_GENERIC: mixed-1@acme\.example is in a compliance state/);
    } finally {
      uninstall();
    }
  });

  it("Mailchimp: the API host is the key's datacenter unless MAILCHIMP_API_URL is set", () => {
    expect(mailchimpBase("abc123-us21", { ...env, MAILCHIMP_API_URL: "" })).toBe("https://us21.api.mailchimp.com/3.0");
    expect(mailchimpBase("abc123-us21", env)).toBe("https://mailchimp.fake/3.0");
  });
});
