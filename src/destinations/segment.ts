import { z } from "zod";
import { jsonRequest, sendRequest } from "./http";
import type { DestinationModule } from "./types";
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
  config,
  secretFields: ["writeKey"],
  accepts: (item) => item.kind !== "change",
  async deliver(item, cfg, { timeoutMs }) {
    const message: Record<string, unknown> = { ...item.event, messageId: item.messageId };
    if (!message.userId && !message.anonymousId) message.userId = item.lead.userId ?? item.lead.id;
    const url = `${cfg.endpoint.replace(/\/+$/, "")}/v1/batch`;
    return sendRequest(jsonRequest(url, { batch: [message], sentAt: new Date().toISOString() }, { Authorization: `Basic ${btoa(`${cfg.writeKey}:`)}` }), timeoutMs);
  },
};
