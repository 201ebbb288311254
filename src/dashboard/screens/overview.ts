// The namespace at a glance: totals, the stage funnel with its conversion,
// score distribution, events per hour (counted by the server, then kept up to
// date from the live stream; totals, funnel and distribution asked again
// shortly after live activity), the live stream, leads heating up, delivery
// health.
import { api } from "../lib/api";
import { bars } from "../lib/chart";
import { card, el, row, table, time } from "../lib/dom";
import { describeNotice, onNotice, onStatus, type Notice } from "../lib/live";
import { leadLink, SCORE_BUCKET_LABELS, SCORE_MEANING, STAGES } from "../lib/leads";
import type { LeadOverview as Overview } from "../../contracts/lead-insights";
import type { ShownDestination } from "../../contracts/delivery-rows";

const LIVE_ROWS = 50;
const HOUR_MS = 3_600_000;
const REFRESH_AFTER_NOTICE_MS = 2_000;


/** Leads at each stage, and how many reached it or a later one: the funnel and its conversion from the stage before. */
function funnel(byStage: Record<string, number>): HTMLElement {
  const at = STAGES.map((s) => byStage[s] ?? 0);
  const reached = at.map((_, i) => at.slice(i).reduce((a, b) => a + b, 0));
  const percent = (n: number, of: number) => (of === 0 ? "—" : `${Math.round((n / of) * 100)}%`);
  return el(
    "div",
    {},
    bars("leads per stage", [...STAGES], [{ name: "leads", values: at }], { x: "stage (by engagement)", y: "leads" }),
    table(
      ["stage", "leads now", "reached it or beyond", "from the stage before"],
      STAGES.map((stage, i) => row(stage, String(at[i]), `${reached[i]} (${percent(reached[i]!, reached[0]!)} of all)`, i === 0 ? "—" : percent(reached[i]!, reached[i - 1]!))),
    ),
  );
}

export async function render(view: HTMLElement): Promise<() => void> {
  const [overview, { destinations }] = await Promise.all([
    api<Overview>("/api/leads/overview"),
    api<{ destinations: Array<Pick<ShownDestination, "id" | "name" | "type" | "enabled">> }>("/api/destinations"),
  ]);
  const health = await Promise.all(destinations.map((d) => api<{ deliveries: Record<string, number> }>(`/api/destinations/${d.id}`).then((r) => ({ ...d, counts: r.deliveries }))));

  // The server's counts per hour (oldest first, the last the current hour); live events add to the last.
  const perHour = [...overview.eventsPerHour.counts];
  let hour = Math.floor(Date.parse(overview.eventsPerHour.from) / HOUR_MS) + perHour.length - 1;
  const hourLabel = (i: number) => new Date((hour - perHour.length + 1 + i) * HOUR_MS).getHours().toString().padStart(2, "0");
  const rate = el("div", {});
  const drawRate = () =>
    rate.replaceChildren(bars("events per hour, last 24 hours", perHour.map((_, i) => (i % 3 === 0 ? `${hourLabel(i)}:00` : "")), [{ name: "events", values: perHour }], { x: "hour of day (local time)", y: "events" }));
  drawRate();

  // Totals, the funnel and the distribution: counted by the server, asked again shortly after live activity.
  const totals = el("div", {});
  const stages = el("div", {});
  const distribution = el("div", {});
  const drawCounts = (o: Overview) => {
    const figures: Array<[string, string]> = [
      ["leads", o.leads.toLocaleString("en")],
      ["events", o.events.toLocaleString("en")],
      ["average score", String(o.averageScore)],
      ["hot or qualified", String((o.byStage.hot ?? 0) + (o.byStage.qualified ?? 0))],
    ];
    totals.replaceChildren(el("dl", { class: "totals" }, ...figures.map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, v)))));
    stages.replaceChildren(funnel(o.byStage));
    distribution.replaceChildren(bars("leads per score band", SCORE_BUCKET_LABELS, [{ name: "leads", values: o.scoreHistogram }], { x: "score band (points, engagement + fit)", y: "leads" }));
  };
  drawCounts(overview);
  let pending: ReturnType<typeof setTimeout> | undefined;
  const refreshCounts = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      api<Overview>("/api/leads/overview").then(drawCounts).catch(() => undefined);
    }, REFRESH_AFTER_NOTICE_MS);
  };

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
    refreshCounts();
    const item = el("li", { class: n.kind }, "leadId" in n && n.leadId ? el("a", { href: `#/lead/${n.leadId}` }, describeNotice(n)) : describeNotice(n));
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
      card("Totals", totals, el("h3", {}, "What the numbers mean"), el("p", { class: "muted" }, SCORE_MEANING)),
      card("Stage funnel", stages),
      card("Score distribution", distribution),
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
    clearTimeout(pending);
  };
}
