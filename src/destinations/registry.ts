import { attio } from "./attio";
import { hubspot } from "./hubspot";
import { mixpanel } from "./mixpanel";
import { segmentForward } from "./segment";
import { slack } from "./slack";
import type { DestinationModule } from "./types";
import { redactSecrets } from "../secrets/write-only";
import { webhook } from "./webhook";
import { posthog } from "./posthog";
import { amplitude } from "./amplitude";
import { heap } from "./heap";
import { customerio } from "./customerio";
import { ga4 } from "./ga4";
import { intercom } from "./intercom";
import { pipedrive } from "./pipedrive";

export const DESTINATION_TYPES = ["webhook", "slack", "mixpanel", "attio", "hubspot", "segment", "posthog", "amplitude", "heap", "customerio", "ga4", "intercom", "pipedrive", "discord", "teams", "sendgrid", "mailchimp", "twilio", "elasticsearch", "salesforce"] as const;
import { discord } from "./discord";
import { teams } from "./teams";
import { sendgrid } from "./sendgrid";
import { mailchimp } from "./mailchimp";
import { twilio } from "./twilio";
import { elasticsearch } from "./elasticsearch";
import { salesforce } from "./salesforce";

export type DestinationType = (typeof DESTINATION_TYPES)[number];

export const DESTINATIONS: Record<DestinationType, DestinationModule<any>> = {
  webhook,
  slack,
  mixpanel,
  attio,
  hubspot,
  segment: segmentForward,
  posthog,
  amplitude,
  heap,
  customerio,
  ga4,
  intercom,
  pipedrive,
  discord,
  teams,
  sendgrid,
  mailchimp,
  twilio,
  elasticsearch,
  salesforce,
};

/** A destination's config as the API shows it: each secret as its hint. */
export function redactConfig(type: DestinationType, config: Record<string, unknown>): Record<string, unknown> {
  return redactSecrets(config, DESTINATIONS[type].secretFields);
}

/** Config fields holding a URL this Worker will call: each must pass the outbound URL guard. */
export const URL_FIELDS: Record<DestinationType, readonly string[]> = {
  webhook: ["url"],
  slack: ["webhookUrl"],
  segment: ["endpoint"],
  mixpanel: [],
  attio: [],
  hubspot: [],
  posthog: ["host"],
  amplitude: [],
  heap: [],
  customerio: [],
  ga4: [],
  intercom: [],
  pipedrive: [],
  discord: ["webhookUrl"],
  teams: ["webhookUrl"],
  sendgrid: [],
  mailchimp: [],
  twilio: [],
  elasticsearch: ["url"],
  salesforce: ["instanceUrl"],
};
