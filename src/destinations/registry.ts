import { attio } from "./attio";
import { bigquery } from "./bigquery";
import { clickhouse } from "./clickhouse";
import { hubspot } from "./hubspot";
import { kafka } from "./kafka";
import { mixpanel } from "./mixpanel";
import { postgres } from "./postgres";
import { redis } from "./redis";
import { s3 } from "./s3";
import { segmentForward } from "./segment";
import { slack } from "./slack";
import type { DestinationModule } from "./types";
import { redactSecrets } from "../secrets/write-only";
import { webhook } from "./webhook";

export const DESTINATION_TYPES = ["webhook", "slack", "mixpanel", "attio", "hubspot", "segment", "clickhouse", "kafka", "redis", "s3", "bigquery", "postgres"] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

export const DESTINATIONS: Record<DestinationType, DestinationModule<any>> = {
  webhook,
  slack,
  mixpanel,
  attio,
  hubspot,
  segment: segmentForward,
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
  clickhouse: ["url"],
  kafka: ["url"],
  redis: ["url"],
  s3: ["endpoint"],
  bigquery: [],
  postgres: ["url"],
};
