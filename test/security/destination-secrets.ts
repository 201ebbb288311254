/**
 * Destination configs holding secrets, for the security tests: every type's
 * secrets, with distinct values a test can look for in answers.
 */
import type { DestinationType } from "../../src/destinations/registry";
import { testServiceAccount } from "../fakes/warehouses-streams";

const serviceAccount = await testServiceAccount();

export interface BindingCase {
  /** A valid config holding every secret the type takes (as far as they go together). */
  config: Record<string, unknown>;
  /** For each binding field of the type, another value. */
  moved: Record<string, unknown>;
  /** The secrets a move without them refuses (required, or required by what stays); the others are dropped. */
  required: string[];
}

export const BINDING_CASES: Partial<Record<DestinationType, BindingCase>> = {
  webhook: { config: { url: "https://a.fake/in", secret: "whsec-aaaaaaaaaaaa-1111", headers: { Authorization: "Bearer token-aaaa-2222" } }, moved: { url: "https://b.fake/in" }, required: [] },
  slack: { config: { webhookUrl: "https://a.fake/services/T0/B0/slack-aaaa-3333" }, moved: { webhookUrl: "https://b.fake/services/T1/B1/slack-bbbb-4444" }, required: [] },
  segment: { config: { writeKey: "wk-aaaaaaaaaaaa-5555", endpoint: "https://a.fake" }, moved: { endpoint: "https://b.fake" }, required: ["writeKey"] },
  posthog: { config: { apiKey: "phc_aaaaaaaaaaaa6666", host: "https://a.fake" }, moved: { host: "https://b.fake" }, required: ["apiKey"] },
  amplitude: { config: { apiKey: "amp-aaaaaaaaaaaa-7777", region: "us" }, moved: { region: "eu" }, required: ["apiKey"] },
  heap: { config: { appId: "1234567", region: "us" }, moved: { region: "eu" }, required: [] },
  customerio: { config: { siteId: "site-aaaa-8888", apiKey: "cio-aaaaaaaaaaaa-9999", region: "us" }, moved: { region: "eu" }, required: ["apiKey"] },
  ga4: { config: { measurementId: "G-ABCD1234", apiSecret: "ga4-aaaaaaaaaaaa-0000" }, moved: { measurementId: "G-WXYZ9876" }, required: ["apiSecret"] },
  intercom: { config: { accessToken: "icm-aaaaaaaaaaaa-1212", region: "us" }, moved: { region: "eu" }, required: ["accessToken"] },
  discord: { config: { webhookUrl: "https://a.fake/api/webhooks/1/discord-aaaa-1313" }, moved: { webhookUrl: "https://b.fake/api/webhooks/2/discord-bbbb-1414" }, required: [] },
  teams: { config: { webhookUrl: "https://a.fake/workflows/teams-aaaa-1515" }, moved: { webhookUrl: "https://b.fake/workflows/teams-bbbb-1616" }, required: [] },
  twilio: {
    config: { accountSid: `AC${"a".repeat(32)}`, authToken: "twl-aaaaaaaaaaaa-1717", from: "+15005550006", to: "+15005550001" },
    moved: { accountSid: `AC${"b".repeat(32)}` },
    required: ["authToken"],
  },
  elasticsearch: { config: { url: "https://a.fake", username: "elastic", password: "es-aaaaaaaaaaaa-1818" }, moved: { url: "https://b.fake", username: "other" }, required: ["password"] },
  salesforce: {
    config: { instanceUrl: "https://a.fake", clientId: "sf-client-aaaa", clientSecret: "sf-aaaaaaaaaaaa-1919" },
    moved: { instanceUrl: "https://b.fake", clientId: "sf-client-bbbb" },
    required: ["clientSecret"],
  },
  clickhouse: { config: { url: "https://a.fake", user: "default", password: "ch-aaaaaaaaaaaa-2020" }, moved: { url: "https://b.fake", user: "other" }, required: [] },
  kafka: { config: { url: "https://a.fake", topic: "leads", apiKey: "KAFKAKEYAAAA", apiSecret: "kf-aaaaaaaaaaaa-2121" }, moved: { url: "https://b.fake", apiKey: "KAFKAKEYBBBB" }, required: ["apiSecret"] },
  redis: { config: { url: "https://a.fake", token: "rd-aaaaaaaaaaaa-2222" }, moved: { url: "https://b.fake" }, required: ["token"] },
  s3: {
    config: { endpoint: "https://a.fake", bucket: "leads-bucket", region: "us-east-1", accessKeyId: "AKIAAAAAAAAAAAAA", secretAccessKey: "s3-aaaaaaaaaaaa-2323" },
    moved: { endpoint: "https://b.fake", region: "eu-west-1", accessKeyId: "AKIABBBBBBBBBBBB" },
    required: ["secretAccessKey"],
  },
  bigquery: { config: { projectId: "lf-project", datasetId: "analytics", serviceAccountKey: serviceAccount.json }, moved: { projectId: "lf-other-project" }, required: ["serviceAccountKey"] },
  postgres: { config: { url: "postgres://app@a.fake:5432/analytics", password: "pg-aaaaaaaaaaaa-2424" }, moved: { url: "postgres://app@b.fake:5432/analytics", hyperdrive: true }, required: [] },
};

/** The types without a binding field, which hold secrets too. */
const UNBOUND_CONFIGS: Partial<Record<DestinationType, Record<string, unknown>>> = {
  mixpanel: { token: "mxp-token-aaaaaaaa-3131", apiSecret: "mxp-secret-aaaaaaaa-3232" },
  attio: { apiKey: "attio-key-aaaaaaaa-3333" },
  hubspot: { accessToken: "hubspot-token-aaaaaaaa-3434" },
  pipedrive: { apiToken: "pipedrive-token-aaaaaaaa-3535", fields: { score: "abc123" } },
  sendgrid: { apiKey: "sendgrid-key-aaaaaaaa-3636" },
  mailchimp: { apiKey: "mailchimp-key-aaaaaaaa-3737-us21", listId: "abc123" },
};

/** A config holding secrets for every type that has secret fields. */
export const SECRET_CONFIGS: Partial<Record<DestinationType, Record<string, unknown>>> = {
  ...Object.fromEntries(Object.entries(BINDING_CASES).map(([type, c]) => [type, c!.config])),
  ...UNBOUND_CONFIGS,
};
