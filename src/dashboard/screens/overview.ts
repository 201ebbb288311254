// The namespace at a glance: stage funnel, score distribution, events per
// hour (counted by the server, then kept up to date from the live stream),
// the live stream, leads heating up, delivery health.
import { api } from "../lib/api";
import { bars } from "../lib/chart";
import { card, el, row, table, time } from "../lib/dom";
import { describeNotice, onNotice, onStatus, type Notice } from "../lib/live";
import { leadLink, SCORE_BUCKET_LABELS, STAGES, type ListedLead } from "../lib/leads";

const LIVE_ROWS = 50;
const HOUR_MS = 3_600_000;

export async function render(view: HTMLElement): Promise<() => void> {
  const [overview, { destinations }] = await Promise.all([
    api<{
      leads: number;
      events: number;
      averageScore: number;
      byStage: Record<string, number>;
      scoreHistogram: number[];
      topMovers: ListedLead[];
      eventsPerHour: { from: string; counts: number[] };
    }>("/api/leads/overview"),
    api<{ destinations: Array<{ id: string; name: string; type: string; enabled: boolean }> }>("/api/destinations"),
  ]);
  const health = await Promise.all(destinations.map((d) => api<{ deliveries: Record<string, number> }>(`/api/destinations/${d.id}`).then((r) => ({ ...d, counts: r.deliveries }))));

  // The server's counts per hour (oldest first, the last the current hour); live events add to the last.
  const perHour = [...overview.eventsPerHour.counts];
  let hour = Math.floor(Date.parse(overview.eventsPerHour.from) / HOUR_MS) + perHour.length - 1;
  const hourLabel = (i: number) => new Date((hour - perHour.length + 1 + i) * HOUR_MS).getHours().toString().padStart(2, "0");
  const rate = el("div", {});
  const drawRate = () => rate.replaceChildren(bars("events per hour, last 24 hours", perHour.map((_, i) => (i % 3 === 0 ? hourLabel(i) : "")), [{ name: "events", values: perHour }]));
  drawRate();
  const status = el("span", { class: "status" });
  const list = el("ul", { class: "live", "aria-live": "off" });
  const stopNotices = onNotice((n: Notice) => {
    const now = Math.floor(Date.now() / HOUR_MS);
    while (hour < now) {
      perHour.shift();
      perHour.push(0);
      hour++;
    }
    if (n.kind === "event") perHour[perHour.length - 1]!++;
    drawRate();
    const item = el("li", { class: n.kind }, n.leadId ? el("a", { href: `#/lead/${n.leadId}` }, describeNotice(n)) : describeNotice(n));
    list.prepend(item);
    while (list.children.length > LIVE_ROWS) list.lastElementChild!.remove();
  });
  const stopStatus = onStatus((on) => {
    status.textContent = on ? "live" : "connecting…";
    status.className = on ? "status on" : "status";
  });

  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card("Totals", el("p", { class: "big" }, `${overview.leads} leads · ${overview.events} events · average score ${overview.averageScore}`)),
      card("Stage funnel", bars("leads per stage", [...STAGES], [{ name: "leads", values: STAGES.map((s) => overview.byStage[s] ?? 0) }])),
      card("Score distribution", bars("leads per score band", SCORE_BUCKET_LABELS, [{ name: "leads", values: overview.scoreHistogram }])),
      card("Events per hour", rate),
      card(
        "Heating up (last 24 h)",
        table(["lead", "velocity", "score", "stage", "last activity"], overview.topMovers.map((l) => row(leadLink(l), String(l.velocity), String(l.score), l.stage, time(l.lastActivity))), "No activity in the last 24 hours."),
      ),
      card(
        "Delivery health",
        table(
          ["destination", "type", "enabled", "delivered", "retrying", "dead letters"],
          health.map((d) => row(el("a", { href: `#/destinations/${d.id}` }, d.name), d.type, d.enabled ? "yes" : "no", String(d.counts.delivered ?? 0), String(d.counts.retrying ?? 0), String(d.counts.dead ?? 0))),
          "No destinations yet.",
        ),
      ),
      card("Live", status, list),
    ),
  );
  return () => {
    stopNotices();
    stopStatus();
  };
}
