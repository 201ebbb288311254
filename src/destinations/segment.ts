import { z } from "zod";
import { jsonRequest, sendRequest } from "./http";
import type { DeliveryItem, DestinationModule } from "./types";
import { headerSecret, outboundUrl } from "../schemas/config-fields";

const config = z.object({
  writeKey: headerSecret,
  /** Another Segment-compatible endpoint, e.g. https://api.segment.io or another leadflare. */
  endpoint: outboundUrl,
});
type SegmentConfig = z.output<typeof config>;

/** Re-sends the event in Segment's format, keeping its messageId so the receiver dedupes retries. */
export const segmentForward: DestinationModule<SegmentConfig> = {
  type: "segment",
  title: "Segment",
  docsUrl: "https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/",
  config,
  secretFields: ["writeKey"],
  accepts: (item) => item.kind !== "change",
  // Segment recommends staying near 1,000 requests/s per workspace; a batch holds 500 KB.
  rate: () => ({ limit: 100, periodSeconds: 1 }),
  deliver: (item, cfg, { timeoutMs }) => forward([item], cfg, timeoutMs),
  batch: {
    maxItems: () => 2_500,
    maxBytes: 450 * 1024,
    deliverMany: (items, cfg, { timeoutMs }) => forward(items, cfg, timeoutMs),
  },
};

function forward(items: DeliveryItem[], cfg: SegmentConfig, timeoutMs: number) {
  const batch = items.map((item) => {
    const message: Record<string, unknown> = { ...item.event, messageId: item.messageId };
    if (!message.userId && !message.anonymousId) message.userId = item.lead.userId ?? item.lead.id;
    return message;
  });
  const url = `${cfg.endpoint.replace(/\/+$/, "")}/v1/batch`;
  return sendRequest(jsonRequest(url, { batch, sentAt: new Date().toISOString() }, { Authorization: `Basic ${btoa(`${cfg.writeKey}:`)}` }), timeoutMs);
}
