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

/** What the registry knows of a destination type besides its module. */
interface RegistryEntry {
  module: DestinationModule<any>;
  /** Config fields holding a URL this Worker will call: each must pass the outbound URL guard. */
  urlFields?: readonly string[];
  /**
   * Config fields besides the URL fields that say where a destination's secrets
   * go or whose they are: a region or data center, an account, project or
   * stream id, the user or key id a secret belongs to, a switch to another
   * database.
   */
  accountFields?: readonly string[];
}

/** Each destination type's entry (the types and their order: src/contracts/destination-types.ts). */
const REGISTRY = {
  webhook: { module: webhook, urlFields: ["url"] },
  slack: { module: slack, urlFields: ["webhookUrl"] },
  mixpanel: { module: mixpanel },
  attio: { module: attio },
  hubspot: { module: hubspot },
  segment: { module: segmentForward, urlFields: ["endpoint"] },
  posthog: { module: posthog, urlFields: ["host"] },
  amplitude: { module: amplitude, accountFields: ["region"] },
  heap: { module: heap, accountFields: ["region"] },
  customerio: { module: customerio, accountFields: ["region"] },
  ga4: { module: ga4, accountFields: ["measurementId"] },
  intercom: { module: intercom, accountFields: ["region"] },
  pipedrive: { module: pipedrive },
  discord: { module: discord, urlFields: ["webhookUrl"] },
  teams: { module: teams, urlFields: ["webhookUrl"] },
  sendgrid: { module: sendgrid },
  mailchimp: { module: mailchimp },
  twilio: { module: twilio, accountFields: ["accountSid"] },
  elasticsearch: { module: elasticsearch, urlFields: ["url"], accountFields: ["username"] },
  salesforce: { module: salesforce, urlFields: ["instanceUrl"], accountFields: ["clientId"] },
  clickhouse: { module: clickhouse, urlFields: ["url"], accountFields: ["user"] },
  kafka: { module: kafka, urlFields: ["url"], accountFields: ["apiKey"] },
  redis: { module: redis, urlFields: ["url"] },
  s3: { module: s3, urlFields: ["endpoint"], accountFields: ["region", "accessKeyId"] },
  bigquery: { module: bigquery, accountFields: ["projectId"] },
  postgres: { module: postgres, urlFields: ["url"], accountFields: ["hyperdrive"] },
} as const satisfies Record<DestinationType, RegistryEntry>;

/** One value per type, read from its registry entry. */
function perType<V>(pick: (entry: RegistryEntry) => V): Record<DestinationType, V> {
  return Object.fromEntries(DESTINATION_TYPES.map((type) => [type, pick(REGISTRY[type])])) as Record<DestinationType, V>;
}

export const DESTINATIONS = perType((entry) => entry.module);

/** A destination's config as the API shows it: each secret as its hint. */
export function redactConfig(type: DestinationType, config: Record<string, unknown>): Record<string, unknown> {
  return redactSecrets(config, DESTINATIONS[type].secretFields);
}

/** Config fields holding a URL this Worker will call: each must pass the outbound URL guard. */
export const URL_FIELDS = perType((entry) => entry.urlFields ?? []);

const ACCOUNT_FIELDS = perType((entry) => entry.accountFields ?? []);

/**
 * The fields a destination's secrets are bound to (see src/secrets/bound.ts):
 * an update that changes any of them keeps no stored secret; each must be
 * sent again.
 */
export function bindingFields(type: DestinationType): readonly string[] {
  return [...URL_FIELDS[type], ...ACCOUNT_FIELDS[type]];
}
