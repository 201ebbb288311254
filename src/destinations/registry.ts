import { attio } from "./attio";
import { hubspot } from "./hubspot";
import { mixpanel } from "./mixpanel";
import { segmentForward } from "./segment";
import { slack } from "./slack";
import type { DestinationModule } from "./types";
import { webhook } from "./webhook";

export const DESTINATION_TYPES = ["webhook", "slack", "mixpanel", "attio", "hubspot", "segment"] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

export const DESTINATIONS: Record<DestinationType, DestinationModule<any>> = {
  webhook,
  slack,
  mixpanel,
  attio,
  hubspot,
  segment: segmentForward,
};

/** A destination's config as the API shows it: secrets replaced by a marker. */
export function redactConfig(type: DestinationType, config: Record<string, unknown>): Record<string, unknown> {
  const shown = { ...config };
  for (const field of DESTINATIONS[type].secretFields) if (shown[field] !== undefined) shown[field] = "[secret]";
  return shown;
}
