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
import { SoonestAlarm } from "./alarm";

/** Headers the Worker's /api/live route sets on the upgrade it forwards here. */
export const FILTER_HEADER = "X-Live-Filter";
export const PROTOCOL_HEADER = "X-Live-Protocol";
/** The API key that opened the socket, and when that key stops working (a rotated key's grace end), if it does. */
export const KEY_HEADER = "X-Live-Key";
export const KEY_VALID_UNTIL_HEADER = "X-Live-Key-Valid-Until";

/** The close code of a socket whose key was revoked or whose grace ended (4000–4999 are the application's). */
export const KEY_ENDED_CLOSE_CODE = 4001;

/** What each socket carries across hibernation. */
interface Attachment {
  filter: LiveFilter;
  /** When it connected (ms since the epoch). */
  since: number;
  /** The API key it was opened with (unset for the admin token). */
  keyId?: string;
  /** When that key stops working: the socket is closed then. */
  validUntil?: number;
}

const keyTag = (keyId: string) => `key:${keyId}`;

export class LiveObject extends DurableObject<Env> {
  private readonly alarmClock = new SoonestAlarm(this.ctx.storage);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Accepts a WebSocket whose filter the route has already validated. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const filter = liveFilterSchema.parse(JSON.parse(request.headers.get(FILTER_HEADER) ?? "{}"));
    const keyId = request.headers.get(KEY_HEADER) ?? undefined;
    const validUntil = Number(request.headers.get(KEY_VALID_UNTIL_HEADER)) || undefined;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, keyId ? [keyTag(keyId)] : []);
    server.serializeAttachment({ filter, since: Date.now(), keyId, validUntil } satisfies Attachment);
    if (validUntil) await this.alarmClock.setNoLaterThan(validUntil);
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
    const attachment = (socket.deserializeAttachment() ?? { since: 0 }) as Attachment;
    socket.serializeAttachment({ ...attachment, filter: parsed.data } satisfies Attachment);
    socket.send(JSON.stringify({ kind: "subscribed", filter: parsed.data }));
  }

  /**
   * An API key stopped working: revoked (`validUntil` null) closes its
   * sockets now; rotated closes the sockets opened before `rotatedAt` (with
   * the old secret) when its grace ends.
   */
  async keyEnded(keyId: string, change: { validUntil: number | null; rotatedAt?: number }): Promise<void> {
    const sockets = this.ctx.getWebSockets(keyTag(keyId));
    if (change.validUntil === null) {
      for (const socket of sockets) closeForKey(socket, "the API key was revoked");
      return;
    }
    for (const socket of sockets) {
      const attachment = socket.deserializeAttachment() as Attachment;
      if (attachment.since > (change.rotatedAt ?? Date.now()) || (attachment.validUntil ?? Infinity) <= change.validUntil) continue;
      socket.serializeAttachment({ ...attachment, validUntil: change.validUntil } satisfies Attachment);
    }
    await this.alarmClock.setNoLaterThan(change.validUntil);
  }

  /** Closes the sockets whose key's grace has ended, and wakes again for the next. */
  override async alarm(): Promise<void> {
    this.alarmClock.started();
    const now = Date.now();
    let next = Infinity;
    for (const socket of this.ctx.getWebSockets()) {
      const { validUntil } = (socket.deserializeAttachment() ?? {}) as Partial<Attachment>;
      if (validUntil === undefined) continue;
      if (validUntil <= now) closeForKey(socket, "the API key's grace period after a rotation ended");
      else next = Math.min(next, validUntil);
    }
    if (next !== Infinity) await this.alarmClock.setNoLaterThan(next);
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

function closeForKey(socket: WebSocket, reason: string): void {
  try {
    socket.send(JSON.stringify({ kind: "closed", reason }));
    socket.close(KEY_ENDED_CLOSE_CODE, reason);
  } catch {
    // already closed
  }
}
