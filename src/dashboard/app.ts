// The dashboard: plain DOM over the same API everyone uses, with an API key
// asked for once and kept in localStorage.
const KEY_STORAGE = "lf_dashboard_key";
const REFRESH_MS = 5_000;
const LIVE_MAX_ROWS = 200;

interface ListedLead {
  id: string;
  score: number;
  stage: string;
  grade: string;
  eventCount: number;
  userId: string | null;
  email: string | null;
  lastActivity: string | null;
}

const $ = <T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T => root.querySelector<T>(selector)!;

/** An element with text or children; text is always set as text, never parsed as HTML. */
function el(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

let apiKey = localStorage.getItem(KEY_STORAGE) ?? "";

class Unauthorized extends Error {}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${apiKey}` } });
  if (res.status === 401) throw new Unauthorized();
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status}`);
  return body as T;
}

const leadLabel = (lead: { userId: string | null; email: string | null; id: string }) => lead.email ?? lead.userId ?? `${lead.id.slice(0, 10)}…`;
const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

// ---- sign-in --------------------------------------------------------------

function showLogin(message = ""): void {
  stopLive();
  $("#main").hidden = true;
  $("#sign-out").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = message;
}

async function open(): Promise<void> {
  try {
    await Promise.all([refresh(), renderDestinations()]);
  } catch (error) {
    if (error instanceof Unauthorized) return showLogin("That API key was not accepted.");
    throw error;
  }
  $("#login").hidden = true;
  $("#main").hidden = false;
  $("#sign-out").hidden = false;
  startLive();
  const lead = new URLSearchParams(location.hash.slice(1)).get("lead");
  if (lead) void showLead(lead);
}

$<HTMLFormElement>("#login").addEventListener("submit", (event) => {
  event.preventDefault();
  apiKey = (new FormData(event.target as HTMLFormElement).get("key") as string).trim();
  localStorage.setItem(KEY_STORAGE, apiKey);
  void open();
});

$("#sign-out").addEventListener("click", () => {
  localStorage.removeItem(KEY_STORAGE);
  apiKey = "";
  showLogin();
});

// ---- leaderboard and leads ------------------------------------------------

let leadCursor: string | null = null;

function leadQuery(): string {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($<HTMLFormElement>("#lead-filters"))) if (value) params.set(name, value as string);
  return params.toString();
}

async function refresh(): Promise<void> {
  const [board, list] = await Promise.all([
    api<{ leads: Array<ListedLead & { rank: number }> }>("/api/leaderboard?limit=10"),
    api<{ leads: ListedLead[]; nextCursor: string | null }>(`/api/leads?${leadQuery()}`),
  ]);
  $("#leaderboard ol").replaceChildren(
    ...board.leads.map((lead) => {
      const item = el("li", { class: "link" }, `${leadLabel(lead)} — ${lead.score} (${lead.stage}, ${lead.grade})`);
      item.addEventListener("click", () => void showLead(lead.id));
      return item;
    }),
  );
  $("#leads tbody").replaceChildren(...list.leads.map(leadRow));
  leadCursor = list.nextCursor;
  $("#more-leads").hidden = !leadCursor;
}

function leadRow(lead: ListedLead): HTMLElement {
  const row = el(
    "tr",
    { class: "link", "data-lead": lead.id },
    el("td", {}, leadLabel(lead)),
    el("td", {}, String(lead.score)),
    el("td", {}, lead.stage),
    el("td", {}, lead.grade),
    el("td", {}, String(lead.eventCount)),
    el("td", {}, time(lead.lastActivity)),
  );
  row.addEventListener("click", () => void showLead(lead.id));
  return row;
}

$<HTMLFormElement>("#lead-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  void refresh();
});

$("#more-leads").addEventListener("click", async () => {
  if (!leadCursor) return;
  const page = await api<{ leads: ListedLead[]; nextCursor: string | null }>(`/api/leads?${leadQuery()}&cursor=${encodeURIComponent(leadCursor)}`);
  $("#leads tbody").append(...page.leads.map(leadRow));
  leadCursor = page.nextCursor;
  $("#more-leads").hidden = !leadCursor;
});

// ---- one lead: facts, score chart, timeline --------------------------------

interface TimelineEntry {
  type: string;
  name: string;
  timestamp: string;
  scoreDelta: number;
  runningScore: number;
  event: { event?: string; name?: string };
}

async function showLead(id: string): Promise<void> {
  const [{ lead }, timeline] = await Promise.all([
    api<{ lead: any }>(`/api/leads/${id}`),
    api<{ entries: TimelineEntry[] }>(`/api/leads/${id}/timeline?limit=200`),
  ]);
  location.hash = `lead=${id}`;
  const section = $("#lead");
  section.hidden = false;
  $(".lead-name", section).textContent = leadLabel({ id, userId: lead.userId ?? null, email: lead.email ?? null });
  const facts: Array<[string, string]> = [
    ["score", `${lead.score} (behaviour ${lead.behaviourScore}, ICP ${lead.icpScore})`],
    ["stage / grade", `${lead.stage} / ${lead.grade}`],
    ["events", String(lead.eventCount)],
    ["identities", lead.identities.map((i: { kind: string; value: string }) => `${i.kind}: ${i.value}`).join(", ")],
    ["first / last seen", `${time(lead.firstSeen)} / ${time(lead.lastSeen)}`],
    ["lead id", id],
  ];
  $(".facts", section).replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  drawChart($<SVGSVGElement>(".chart", section), timeline.entries);
  $("tbody", section).replaceChildren(
    ...timeline.entries
      .slice()
      .reverse()
      .map((e) =>
        el(
          "tr",
          {},
          el("td", {}, time(e.timestamp)),
          el("td", {}, e.type),
          el("td", {}, e.event?.event ?? e.event?.name ?? e.name),
          el("td", {}, e.scoreDelta ? String(e.scoreDelta) : ""),
          el("td", {}, String(e.runningScore)),
        ),
      ),
  );
}

/** The running score over time, as one polyline scaled to the box. */
function drawChart(svg: SVGSVGElement, entries: TimelineEntry[]): void {
  const points = entries.map((e) => [Date.parse(e.timestamp), e.runningScore] as const);
  if (points.length === 0) return svg.replaceChildren();
  const [t0, t1] = [points[0]![0], points[points.length - 1]![0]];
  const max = Math.max(1, ...points.map(([, s]) => s));
  const x = (t: number) => (t1 === t0 ? 300 : ((t - t0) / (t1 - t0)) * 590 + 5);
  const y = (s: number) => 155 - (s / max) * 145;
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points.map(([t, s]) => `${x(t).toFixed(1)},${y(s).toFixed(1)}`).join(" "));
  svg.replaceChildren(line);
}

$("#close-lead").addEventListener("click", () => {
  $("#lead").hidden = true;
  history.replaceState(null, "", location.pathname);
});

// ---- live stream ----------------------------------------------------------

let socket: WebSocket | undefined;
let reconnect: ReturnType<typeof setTimeout> | undefined;

function startLive(): void {
  stopLive();
  const filters = new FormData($<HTMLFormElement>("#live-filters"));
  const params = new URLSearchParams();
  for (const name of ["event", "lead"]) {
    const value = (filters.get(name) as string).trim();
    if (value) params.set(name, value);
  }
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live?${params}`;
  // Browsers cannot set an Authorization header on a WebSocket: the key travels as a subprotocol.
  const ws = new WebSocket(url, ["leadflare", `bearer.${apiKey}`]);
  socket = ws;
  const status = $("#live .status");
  ws.addEventListener("open", () => {
    status.textContent = "connected";
    status.className = "status on";
  });
  ws.addEventListener("message", (message) => showNotice(JSON.parse(message.data as string)));
  ws.addEventListener("close", () => {
    if (socket !== ws) return;
    status.textContent = "disconnected, retrying…";
    status.className = "status";
    reconnect = setTimeout(startLive, 3_000);
  });
}

function stopLive(): void {
  clearTimeout(reconnect);
  const old = socket;
  socket = undefined;
  old?.close();
}

function showNotice(notice: any): void {
  if (notice.kind === "subscribed") return;
  const at = new Date(notice.at).toLocaleTimeString();
  const text =
    notice.kind === "event"
      ? `${at}  ${notice.event}  ${notice.userId ?? notice.anonymousId ?? ""}  → ${notice.leadId.slice(0, 10)}…`
      : notice.kind === "merge"
        ? `${at}  merge ${notice.mergedLeadId.slice(0, 10)}… into ${notice.leadId.slice(0, 10)}…`
        : notice.kind === "rejection"
          ? `${at}  rejected #${notice.index}: ${notice.message}`
          : `${at}  ${JSON.stringify(notice)}`;
  const item = el("li", { class: notice.kind }, text);
  if (notice.leadId) item.addEventListener("click", () => void showLead(notice.leadId));
  const list = $("#live ul");
  list.prepend(item);
  while (list.children.length > LIVE_MAX_ROWS) list.lastElementChild!.remove();
}

$<HTMLFormElement>("#live-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  startLive();
});

// ---- destinations ---------------------------------------------------------

async function renderDestinations(): Promise<void> {
  const { destinations } = await api<{ destinations: Array<{ id: string; name: string; type: string; enabled: boolean }> }>("/api/destinations");
  const rows = await Promise.all(
    destinations.map(async (d) => {
      const { deliveries } = await api<{ deliveries: Record<string, number> }>(`/api/destinations/${d.id}`);
      const count = (status: string) => String(deliveries[status] ?? 0);
      return el(
        "tr",
        {},
        el("td", {}, d.name),
        el("td", {}, d.type),
        el("td", {}, d.enabled ? "yes" : "no"),
        el("td", {}, count("delivered")),
        el("td", {}, count("retrying")),
        el("td", {}, count("dead")),
      );
    }),
  );
  $("#destinations tbody").replaceChildren(...(rows.length > 0 ? rows : [el("tr", {}, el("td", { colspan: "6" }, "No destinations yet (POST /api/destinations)."))]));
}

// ---- start ----------------------------------------------------------------

setInterval(() => {
  if ($("#main").hidden || document.hidden) return;
  void refresh().catch((error) => (error instanceof Unauthorized ? showLogin("That API key is no longer accepted.") : undefined));
  void renderDestinations().catch(() => undefined);
}, REFRESH_MS);

if (apiKey) void open();
else showLogin();
