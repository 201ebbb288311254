import { afterEach, describe, expect, it } from "vitest";
import { eventually, leadByUserId, newTenant, send } from "../helpers";
import { addDestination, deliveries, recent } from "./messaging-search-salesforce-checks";
import { installFakes, type FakeService } from "../../fakes/fake-service";
import { cardItems, discordFake, elasticsearchFake, mailchimpFake, salesforceFake, sendgridFake, teamsFake, twilioFake } from "../../fakes/messaging-search-salesforce";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const LEADS = 100;
const EVENTS_PER_LEAD = 10;
// 20 + 10 points: warm; one lead in ten also asks for a demo (+50) and gets hot, which Twilio texts at 1 SMS a second.
const NAMES = ["Signup", "Pricing Page", "Webinar", "Pricing Page", "Webinar", "Pricing Page", "Webinar", "Download", "Webinar"];
const SID = `AC${"0123456789abcdef".repeat(2)}`;

describe("Discord, Teams, SendGrid, Mailchimp, Twilio, Elasticsearch and Salesforce together", () => {
  it("1,000 events of 100 leads reach all seven at once, through failures, nothing lost or doubled", async () => {
    const fakes = {
      discord: discordFake(),
      teams: teamsFake(),
      sendgrid: sendgridFake(),
      mailchimp: mailchimpFake(),
      twilio: twilioFake(SID, "tw-token"),
      elasticsearch: elasticsearchFake("ApiKey es-key"),
      salesforce: salesforceFake("sf-id", "sf-secret"),
    };
    // One call in ten answers 503; no item can run out of tries by chance (8 tries at 10%).
    for (const fake of Object.values(fakes) as FakeService[]) fake.failShare(0.1, { seed: 7 });
    uninstall = installFakes(...(Object.values(fakes) as FakeService[]));
    const t = await newTenant("all");
    const configs: Record<keyof typeof fakes, Record<string, unknown>> = {
      discord: { webhookUrl: "https://discord.fake/api/webhooks/1/all" },
      teams: { webhookUrl: "https://teams.fake/workflows/all" },
      sendgrid: { apiKey: "SG.test-key", customFields: { score: "e1_N", stage: "e2_T" } },
      mailchimp: { apiKey: "mc-key-us21", listId: "a1b2c3d4e5" },
      twilio: { accountSid: SID, authToken: "tw-token", from: "+14155550100", to: "+14155550123", stages: ["hot"] },
      elasticsearch: { url: "https://es.fake", apiKey: "es-key", index: "all-events" },
      salesforce: { instanceUrl: "https://acme.salesforce.fake", clientId: "sf-id", clientSecret: "sf-secret" },
    };
    const ids: Record<string, string> = {};
    for (const [type, config] of Object.entries(configs)) ids[type] = (await addDestination(t, { name: type, type, config })).id;

    const eventIds: string[] = [];
    for (let batchStart = 0; batchStart < LEADS; batchStart += 10) {
      const batch = [];
      for (let i = batchStart; i < batchStart + 10; i++) {
        batch.push({ type: "identify", userId: `all-${i}`, messageId: `all-${i}-id`, traits: { email: `all-${i}@acme.example` }, timestamp: recent(60) });
        eventIds.push(`all-${i}-id`);
        for (let j = 0; j < EVENTS_PER_LEAD - 1; j++) {
          const name = j === EVENTS_PER_LEAD - 2 && i % 10 === 0 ? "Demo Request" : NAMES[j]!;
          batch.push({ type: "track", userId: `all-${i}`, event: name, messageId: `all-${i}-${j}`, timestamp: recent(50 - j) });
          eventIds.push(`all-${i}-${j}`);
        }
      }
      expect((await send(t, "/v1/batch", { batch })).status).toBe(200);
    }
    expect(eventIds).toHaveLength(LEADS * EVENTS_PER_LEAD);

    const settled = async (type: string) => {
      const counts = (await deliveries(t, ids[type]!)).counts as Record<string, number>;
      expect(Object.keys(counts).filter((k) => k !== "delivered")).toEqual([]);
      return counts.delivered ?? 0;
    };
    // Every lead's last score change has gone to the contact destinations.
    await eventually(async () => expect(fakes.salesforce.leads.size + fakes.sendgrid.contacts.size + fakes.mailchimp.members.size).toBe(3 * LEADS), 90_000, 500);
    await eventually(async () => {
      for (const type of Object.keys(configs)) await settled(type);
      const es = fakes.elasticsearch.docs;
      for (const id of eventIds) expect(es.has(`all-events/${id}`)).toBe(true);
    }, 90_000, 500);

    // Elasticsearch: every event once (by _id) plus the score changes, each delivered item one document.
    expect(await settled("elasticsearch")).toBe(fakes.elasticsearch.docs.size);
    expect([...fakes.elasticsearch.docs.values()].filter((d) => d.kind === "event")).toHaveLength(LEADS * EVENTS_PER_LEAD);
    // Chat: one embed / card item per delivered item.
    expect(fakes.discord.messages.flatMap((m) => m.embeds)).toHaveLength(await settled("discord"));
    expect(fakes.teams.requests.flatMap(cardItems)).toHaveLength(await settled("teams"));
    // Twilio: one SMS per lead that reached hot.
    const hot = [];
    for (let i = 0; i < LEADS; i += 1) if ((await leadByUserId(t, `all-${i}`)).stage === "hot") hot.push(i);
    expect(hot).toHaveLength(LEADS / 10);
    expect(fakes.twilio.sms).toHaveLength(hot.length);
    // Contacts end with each lead's final score.
    for (const i of [0, 1, 50, 99]) {
      const lead = await leadByUserId(t, `all-${i}`);
      const email = `all-${i}@acme.example`;
      expect(fakes.salesforce.leads.get(email).Lead_Score__c).toBe(lead.score);
      expect(fakes.sendgrid.contacts.get(email).custom_fields.e1_N).toBe(lead.score);
      expect(fakes.mailchimp.members.get(email).merge_fields.LEADSCORE).toBe(lead.score);
    }
  }, 180_000);
});
