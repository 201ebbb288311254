import { z } from "zod";
import { happening, isStageChange, leadLabel, scoreLine } from "./chat-text";
import { sendRequest } from "./http";
import type { DeliveryItem, DestinationModule } from "./types";
import { headerSecret } from "../schemas/config-fields";

const phoneNumber = z.string().regex(/^\+[1-9]\d{6,14}$/, "must be a phone number in E.164 form, e.g. +14155550123");

const config = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, "must be a Twilio Account SID (AC + 32 hex digits)"),
    authToken: headerSecret,
    /** The sender: a Twilio number, or a Messaging Service (which picks one). */
    from: phoneNumber.optional(),
    messagingServiceSid: z.string().regex(/^MG[0-9a-f]{32}$/, "must be a Messaging Service SID (MG + 32 hex digits)").optional(),
    /** Who gets the SMS (a salesperson, an on-call phone). */
    to: phoneNumber,
    /**
     * Stages whose reaching sends an SMS when this is an ordinary
     * destination; none by default: Twilio is meant as an automation's action.
     */
    stages: z.array(z.enum(["cold", "warm", "hot", "qualified"])).max(4).default([]),
  })
  .refine((c) => c.from !== undefined || c.messagingServiceSid !== undefined, { message: "needs `from` or `messagingServiceSid`", path: ["from"] });
type TwilioConfig = z.output<typeof config>;

/** An SMS is billed per 160-character segment: the text stays short. */
const MAX_BODY = 320;

export function smsText(item: DeliveryItem): string {
  const lead = item.change?.after ?? item.lead;
  return `leadflare: ${leadLabel(lead)} ${happening(item)} (${scoreLine(lead)})`.slice(0, MAX_BODY);
}

/** Twilio Programmable Messaging: one SMS to the configured number per stage change (an automation's action) or test. */
export const twilio: DestinationModule<TwilioConfig> = {
  type: "twilio",
  title: "Twilio SMS",
  docsUrl: "https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource",
  config,
  secretFields: ["authToken"],
  accepts(item, cfg) {
    if (item.kind === "test") return true;
    return item.kind === "change" && isStageChange(item) && cfg.stages.includes(item.change!.after.stage as TwilioConfig["stages"][number]);
  },
  // A long code sends about one SMS a second; Twilio queues beyond that, so the pace stays there.
  rate: () => ({ limit: 1, periodSeconds: 1 }),
  maxShards: 1,
  async deliver(item, cfg, { env, timeoutMs }) {
    const form = new URLSearchParams({ To: cfg.to, Body: smsText(item) });
    if (cfg.messagingServiceSid) form.set("MessagingServiceSid", cfg.messagingServiceSid);
    else form.set("From", cfg.from!);
    const request = new Request(`${env.TWILIO_API_URL}/2010-04-01/Accounts/${cfg.accountSid}/Messages.json`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${btoa(`${cfg.accountSid}:${cfg.authToken}`)}` },
      body: form.toString(),
    });
    return sendRequest(request, timeoutMs);
  },
};
