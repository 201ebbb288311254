/**
 * LiveObject: one per namespace; holds the namespace's live-stream WebSockets
 * (hibernatable: an idle stream costs nothing) and fans notices out to them,
 * each socket through its own filter, kept as the socket's attachment with
 * the time it connected: Worker isolates send notices in batches gathered
 * over a moment (src/live/publish.ts), and a socket only gets the ones that
 * happened after it connected.
 */
import { DurableObject } from "cloudflare:workers";
import { fieldIssues } from "../src/http/errors";
import { liveFilterSchema, matchesFilter, type LiveFilter } from "../src/live/filter";
import type { LiveNotice } from "../src/live/notices";

/** Headers the Worker's /api/live route sets on the upgrade it forwards here. */
export const FILTER_HEADER = "X-Live-Filter";
export const PROTOCOL_HEADER = "X-Live-Protocol";

/** What each socket carries across hibernation. */
interface Attachment {
  filter: LiveFilter;
  /** When it connected (ms since the epoch). */
  since: number;
}

export class LiveObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Accepts a WebSocket whose filter the route has already validated. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const filter = liveFilterSchema.parse(JSON.parse(request.headers.get(FILTER_HEADER) ?? "{}"));
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ filter, since: Date.now() } satisfies Attachment);
    server.send(JSON.stringify({ kind: "subscribed", filter }));
    const protocol = request.headers.get(PROTOCOL_HEADER);
    return new Response(null, { status: 101, webSocket: client, headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : {} });
  }

  /** Sends each notice to the sockets whose filter it passes; says how many sockets there are. */
  async publish(notices: LiveNotice[]): Promise<{ listeners: number }> {
    const sockets = this.ctx.getWebSockets();
    for (const socket of sockets) {
      const { filter, since } = (socket.deserializeAttachment() ?? { filter: {}, since: 0 }) as Attachment;
      for (const notice of notices) {
        if (Date.parse(notice.at) < since || !matchesFilter(filter, notice)) continue;
        try {
          socket.send(JSON.stringify(notice));
        } catch {
          // closing meanwhile: webSocketClose tidies up
        }
      }
    }
    return { listeners: sockets.length };
  }

  /** A listener changes its filter: `{"filter": {"events": [...], "lead": "..."}}`. */
  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      body = undefined;
    }
    const filterField = typeof body === "object" && body !== null && "filter" in body ? body.filter : undefined;
    const parsed = liveFilterSchema.safeParse(filterField);
    if (!parsed.success) {
      socket.send(
        JSON.stringify({
          kind: "error",
          error: { code: "invalid_request", message: 'send {"filter": {"events"?: [names], "lead"?: lead id}}', details: fieldIssues(parsed.error, "filter") },
        }),
      );
      return;
    }
    const { since } = (socket.deserializeAttachment() ?? { since: 0 }) as Attachment;
    socket.serializeAttachment({ filter: parsed.data, since } satisfies Attachment);
    socket.send(JSON.stringify({ kind: "subscribed", filter: parsed.data }));
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    // The hibernation API leaves the closing handshake to us; 1005/1006/1015 may not be sent.
    try {
      socket.close([1005, 1006, 1015].includes(code) ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }
}
