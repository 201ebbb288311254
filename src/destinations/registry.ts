import { redactSecrets } from "../secrets/write-only";
import { amplitude } from "./amplitude";
import { attio } from "./attio";
import { bigquery } from "./bigquery";
import { clickhouse } from "./clickhouse";
import { customerio } from "./customerio";
import { discord } from "./discord";
import { elasticsearch } from "./elasticsearch";
import { ga4 } from "./ga4";
import { heap } from "./heap";
import { hubspot } from "./hubspot";
import { intercom } from "./intercom";
import { kafka } from "./kafka";
import { mailchimp } from "./mailchimp";
import { mixpanel } from "./mixpanel";
import { pipedrive } from "./pipedrive";
import { postgres } from "./postgres";
import { posthog } from "./posthog";
import { redis } from "./redis";
import { s3 } from "./s3";
import { salesforce } from "./salesforce";
import { segmentForward } from "./segment";
import { sendgrid } from "./sendgrid";
import { slack } from "./slack";
import { teams } from "./teams";
import { twilio } from "./twilio";
import { DESTINATION_TYPES, type DestinationType } from "../contracts/destination-types";
import type { DestinationModule } from "./types";
import { webhook } from "./webhook";

export { DESTINATION_TYPES, type DestinationType };

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
  clickhouse,
  kafka,
  redis,
  s3,
  bigquery,
  postgres,
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
  clickhouse: ["url"],
  kafka: ["url"],
  redis: ["url"],
  s3: ["endpoint"],
  bigquery: [],
  postgres: ["url"],
};

/**
 * Config fields besides the URL fields that say where a destination's secrets
 * go or whose they are: a region or data center, an account, project or
 * stream id, the user or key id a secret belongs to, a switch to another
 * database.
 */
const ACCOUNT_FIELDS: Record<DestinationType, readonly string[]> = {
  webhook: [],
  slack: [],
  segment: [],
  mixpanel: [],
  attio: [],
  hubspot: [],
  posthog: [],
  amplitude: ["region"],
  heap: ["region"],
  customerio: ["region"],
  ga4: ["measurementId"],
  intercom: ["region"],
  pipedrive: [],
  discord: [],
  teams: [],
  sendgrid: [],
  mailchimp: [],
  twilio: ["accountSid"],
  elasticsearch: ["username"],
  salesforce: ["clientId"],
  clickhouse: ["user"],
  kafka: ["apiKey"],
  redis: [],
  s3: ["region", "accessKeyId"],
  bigquery: ["projectId"],
  postgres: ["hyperdrive"],
};

/**
 * The fields a destination's secrets are bound to (see src/secrets/bound.ts):
 * an update that changes any of them keeps no stored secret; each must be
 * sent again.
 */
export function bindingFields(type: DestinationType): readonly string[] {
  return [...URL_FIELDS[type], ...ACCOUNT_FIELDS[type]];
}
