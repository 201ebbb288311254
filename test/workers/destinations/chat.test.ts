import { describe, expect, it } from "vitest";
import { apiSend, newTenant } from "../helpers";
import { checkBatching, checkDeadLetters, checkRetries, type DestinationCase } from "./messaging-search-salesforce-checks";
import { cardItems, discordFake, discordRateLimited, teamsFake } from "../../fakes/messaging-search-salesforce";
import { withBodyRetryAfter } from "../../../src/destinations/discord";

// Each new lead's Demo Request and its move to a new stage: two items a lead.
const cases: DestinationCase[] = [
  {
    name: "sales channel",
    type: "discord",
    config: { webhookUrl: "https://discord.fake/api/webhooks/123456/tok-en_1" },
    fake: discordFake,
    itemsIn: (r) => JSON.parse(r.body).embeds.length,
    check(r) {
      expect(r.method).toBe("POST");
      expect(r.url.pathname).toBe("/api/webhooks/123456/tok-en_1");
      expect(r.url.searchParams.get("wait")).toBe("true");
      const body = JSON.parse(r.body);
      expect(body).toMatchObject({ username: "leadflare", allowed_mentions: { parse: [] } });
      for (const embed of body.embeds) {
        expect(embed.title).toMatch(/^lead-\d+@acme\.example — (Demo Request|moved new → \w+)$/);
        expect(embed.fields.map((f: any) => f.name)).toEqual(["Score", "Stage", "Grade"]);
      }
    },
    itemsPerLead: 2,
    maxItems: 10,
    permanent: { status: 400, body: JSON.stringify({ message: "Invalid Form Body", code: 50035 }) },
    retryable: [discordRateLimited(0.2), { status: 502 }],
  },
  {
    name: "sales team",
    type: "teams",
    config: { webhookUrl: "https://teams.fake/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s1" },
    fake: teamsFake,
    itemsIn: (r) => cardItems(r).length,
    check(r) {
      expect(r.url.searchParams.get("sig")).toBe("s1");
      expect(r.headers.get("Content-Type")).toBe("application/json");
      const card = JSON.parse(r.body).attachments[0].content;
      expect(card).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
      for (const block of cardItems(r)) {
        expect(block.items[0].text).toMatch(/^lead-\d+@acme\.example — (Demo Request|moved new → \w+)$/);
        expect(block.items[1].facts.map((f: any) => f.title)).toEqual(["Score", "Stage", "Grade"]);
      }
    },
    itemsPerLead: 2,
    maxItems: 10,
    permanent: { status: 400, body: JSON.stringify({ error: { code: "InvalidRequestContent" } }) },
    retryable: [{ status: 429, headers: { "Retry-After": "0" } }, { status: 503 }],
  },
];

describe.each(cases)("$type destination", (c) => {
  it("sends many leads' items in few calls, at most the API's batch each, shaped and authorised", () => checkBatching(c));
  it("retries 429 and 5xx, then delivers everything", () => checkRetries(c));
  it("turns a permanent 4xx into dead letters", () => checkDeadLetters(c));
});

describe("chat destinations", () => {
  it("Discord: a 429's retry_after in the body sets the wait", () => {
    const result = withBodyRetryAfter({ ok: false, status: 429, retryable: true, error: "HTTP 429", body: JSON.stringify({ retry_after: 1.25 }) });
    expect(result).toMatchObject({ retryable: true, retryAfterMs: 1250 });
    expect(withBodyRetryAfter({ ok: false, status: 429, retryable: true, error: "x", body: "not json" })).not.toHaveProperty("retryAfterMs");
  });

  it("webhook URLs go through the outbound guard and are never shown back", async () => {
    const t = await newTenant();
    for (const type of ["discord", "teams"]) {
      const refused = await apiSend(t, "POST", "/api/destinations", { name: "x", type, config: { webhookUrl: "http://169.254.169.254/latest" } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details[0].path).toBe("config.webhookUrl");
      const created = await apiSend(t, "POST", "/api/destinations", { name: "x", type, config: { webhookUrl: "https://discord.fake/api/webhooks/1/secret-token" } });
      expect(JSON.stringify(created.body)).not.toContain("secret-token");
    }
  });
});
