// The namespace's live stream (GET /api/live over a WebSocket), shared by
// the screens: each subscribes while it is shown.
import { session, withNamespace } from "./api";
import type { LiveNotice } from "../../live/notices";

/** What the live stream says (src/live/notices.ts); its first message, `subscribed`, is not passed on. */
export type Notice = LiveNotice;
type Listener = (notice: Notice) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(connected: boolean) => void>();
let socket: WebSocket | undefined;
let retry: ReturnType<typeof setTimeout> | undefined;
export let connected = false;

function setConnected(value: boolean) {
  connected = value;
  for (const l of statusListeners) l(value);
}

export function startLive(): void {
  stopLive();
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${withNamespace("/api/live")}`;
  // Browsers cannot set an Authorization header on a WebSocket: the key travels as a subprotocol.
  const ws = new WebSocket(url, ["leadflare", `bearer.${session.key}`]);
  socket = ws;
  ws.addEventListener("open", () => setConnected(true));
  ws.addEventListener("message", (message) => {
    const notice = JSON.parse(message.data as string) as Notice | { kind: "subscribed" };
    if (notice.kind !== "subscribed") for (const l of listeners) l(notice);
  });
  ws.addEventListener("close", () => {
    if (socket !== ws) return;
    setConnected(false);
    retry = setTimeout(startLive, 3_000);
  });
}

export function stopLive(): void {
  clearTimeout(retry);
  const old = socket;
  socket = undefined;
  old?.close();
  setConnected(false);
}

/** Calls `listener` for every notice until the returned function is called. */
export function onNotice(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function onStatus(listener: (connected: boolean) => void): () => void {
  statusListeners.add(listener);
  listener(connected);
  return () => statusListeners.delete(listener);
}

export function describeNotice(n: Notice): string {
  const at = new Date(n.at).toLocaleTimeString();
  const lead = (id: unknown) => `${String(id).slice(0, 10)}…`;
  if (n.kind === "event") return `${at}  ${String(n.event)}  ${String(n.userId ?? n.anonymousId ?? "")} → ${lead(n.leadId)}`;
  if (n.kind === "merge") return `${at}  merge ${lead(n.mergedLeadId)} into ${lead(n.leadId)}`;
  if (n.kind === "rejection") return `${at}  rejected #${String(n.index)}: ${String(n.message)}`;
  return `${at}  ${JSON.stringify(n)}`;
}
