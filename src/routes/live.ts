import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/app-env";
import { LIVE_PROTOCOL } from "../http/credentials";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { liveFilterSchema } from "../live/filter";
import { listenerJoined } from "../live/publish";
import { FILTER_HEADER, KEY_HEADER, KEY_VALID_UNTIL_HEADER, PROTOCOL_HEADER } from "../../durable/live-object";
import { queryObject } from "../schemas/query";

/** `?event=<name>` (repeatable) and `?lead=<lead id>`. */
const liveQuery = queryObject({
  event: z.array(z.string()).optional(),
  lead: z.string().optional(),
});

/** `GET /api/live`: the namespace's accepted events, rejections and merges, as they happen, over a WebSocket. */
export const liveRoutes = new Hono<AppEnv>();

liveRoutes.get("/", async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "GET /api/live opens a WebSocket (Upgrade: websocket)");
  }
  const query = parseOrThrow(liveQuery, { event: c.req.queries("event"), lead: c.req.query("lead") }, "query");
  const filter = parseOrThrow(liveFilterSchema, { events: query.event, lead: query.lead }, "query");
  const namespaceId = c.var.namespace.id;
  listenerJoined(namespaceId);
  const offered = c.req.header("Sec-WebSocket-Protocol")?.split(",").map((p) => p.trim()) ?? [];
  const headers = new Headers({ Upgrade: "websocket", [FILTER_HEADER]: JSON.stringify(filter) });
  // A browser that offered subprotocols (to carry its key) must get one of them back.
  if (offered.includes(LIVE_PROTOCOL)) headers.set(PROTOCOL_HEADER, LIVE_PROTOCOL);
  // The socket remembers its key, so revoking the key (or the end of a rotated key's grace) closes it.
  if (c.var.apiKeyId) headers.set(KEY_HEADER, c.var.apiKeyId);
  if (c.var.apiKeyValidUntil) headers.set(KEY_VALID_UNTIL_HEADER, String(c.var.apiKeyValidUntil));
  return c.env.LIVE.getByName(namespaceId).fetch("https://live.internal/", { headers });
});
