import { afterEach, describe, expect, it } from "vitest";
import { apiSend, eventually, leadByUserId, newTenant, oneUtcDayFor, send } from "../helpers";
import { addDestination, checkDeadLetters, checkRetries, deliveries, recent, type DestinationCase } from "./messaging-search-salesforce-checks";
import { installFakes } from "../../fakes/fake-service";
import { twilioFake } from "../../fakes/messaging-search-salesforce";

const SID = `AC${"0123456789abcdef".repeat(2)}`;
const TOKEN = "twilio-auth-token";
const config = { accountSid: SID, authToken: TOKEN, from: "+14155550100", to: "+14155550123" };

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

describe("twilio destination", () => {
  it("an automation 'stage becomes hot' sends one SMS to the configured number", async () => {
    await oneUtcDayFor(60_000);
    const twilio = twilioFake(SID, TOKEN);
    uninstall = installFakes(twilio);
    const t = await newTenant("sms");
    const destination = await addDestination(t, { name: "on-call phone", type: "twilio", config });
    const automation = await apiSend(t, "POST", "/api/automations", {
      name: "hot lead SMS",
      trigger: { type: "stage_becomes", stage: "hot" },
      action: { type: "destination", destinationId: destination.id },
    });
    expect(automation.status).toBe(201);

    await send(t, "/v1/identify", { userId: "sms-1", traits: { email: "ada@acme.example" }, timestamp: recent(30) });
    await send(t, "/v1/track", { userId: "sms-1", event: "Download", timestamp: recent(29) });
    await send(t, "/v1/track", { userId: "sms-1", event: "Demo Request", timestamp: recent(28) });
    // Another lead that only gets warm: no SMS.
    await send(t, "/v1/track", { userId: "sms-2", event: "Demo Request", timestamp: recent(27) });
    await eventually(() => Promise.resolve(expect(twilio.sms).toHaveLength(1)), 30_000);
    expect(twilio.sms[0]).toEqual({
      to: "+14155550123",
      from: "+14155550100",
      messagingServiceSid: null,
      body: expect.stringMatching(/^leadflare: ada@acme\.example moved \w+ → hot \(score \d+ · hot · grade [A-F]\)$/),
    });

    // Still hot on the next event, and the rule fires once a day: no second SMS.
    await send(t, "/v1/track", { userId: "sms-1", event: "Demo Request", timestamp: recent(5) });
    // Another tenant can't name this destination in an automation: refused as unknown, nothing stored.
    const other = await newTenant("sms-other");
    const borrowed = await apiSend(other, "POST", "/api/automations", { name: "borrowed", trigger: { type: "stage_becomes", stage: "hot" }, action: { type: "destination", destinationId: destination.id } });
    expect(borrowed.status).toBe(400);
    expect(borrowed.body.error.details).toEqual([{ path: "action.destinationId", message: `no destination ${destination.id} in this namespace` }]);
    expect((await apiSend(other, "GET", "/api/automations")).body.automations).toEqual([]);
    await send(other, "/v1/track", { userId: "other-1", event: "Download", timestamp: recent(6) });
    await send(other, "/v1/track", { userId: "other-1", event: "Demo Request", timestamp: recent(5) });
    await eventually(async () => expect((await leadByUserId(other, "other-1")).stage).toBe("hot"));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(twilio.sms).toHaveLength(1);
    // As an ordinary destination (no `stages`) it sent nothing itself.
    expect((await deliveries(t, destination.id)).counts).toEqual({});
  }, 90_000);

  it("the test send is one SMS, through a Messaging Service when set", async () => {
    const twilio = twilioFake(SID, TOKEN);
    uninstall = installFakes(twilio);
    const t = await newTenant("sms");
    const { from: _from, ...rest } = config;
    const destination = await addDestination(t, { name: "ms", type: "twilio", config: { ...rest, messagingServiceSid: `MG${"ab".repeat(16)}` } });
    expect(destination.config.authToken).not.toBe(TOKEN);
    const sent = await apiSend(t, "POST", `/api/destinations/${destination.id}/test`);
    expect(sent.body).toMatchObject({ ok: true, status: 201 });
    expect(twilio.sms).toEqual([{ to: "+14155550123", from: null, messagingServiceSid: `MG${"ab".repeat(16)}`, body: expect.stringContaining("leadflare test message") }]);
  });

  it("checks the config: a sender is needed, numbers are E.164", async () => {
    const t = await newTenant("sms");
    const { from: _from, ...noSender } = config;
    const bad = await apiSend(t, "POST", "/api/destinations", { name: "x", type: "twilio", config: { ...noSender, to: "0207 946 0958" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path).sort()).toEqual(["config.from", "config.to"]);
  });
});

// As an ordinary destination with `stages: ["hot"]`: each lead's move to hot is one SMS.
const plain: DestinationCase = {
  name: "hot leads",
  type: "twilio",
  config: { ...config, stages: ["hot"] },
  fake: () => twilioFake(SID, TOKEN),
  itemsIn: () => 1,
  check: () => {},
  events: () => [{ event: "Download" }, { event: "Demo Request" }],
  itemsPerLead: 1,
  maxItems: 1,
  permanent: { status: 400, body: JSON.stringify({ code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 }) },
  retryable: [{ status: 429, body: JSON.stringify({ code: 20429, message: "Too Many Requests", status: 429 }), headers: { "Retry-After": "0" } }, { status: 503 }],
};

describe("twilio destination, stage changes", () => {
  it("retries 429 and 5xx, then sends", () => checkRetries(plain));
  it("turns a permanent 4xx into dead letters", () => checkDeadLetters(plain));
});
