// One lead: why it scores what it does (each rule, event, decay and ICP
// part), its score over time, stage history and timeline; export and erase.
import { api, me, request, send } from "../lib/api";
import { line } from "../lib/chart";
import { button, card, el, notice, row, table, time } from "../lib/dom";
import { leadLabel, percent, SCORE_MEANING, signedFixed, type TopFeature } from "../lib/leads";
import type { LeadExplanation as Explanation } from "../../contracts/lead-insights";
import type { LeadSummary, TimelineEntry } from "../../contracts/lead-rpc";

/** A timeline entry, its stored event read for the name a track call gave it. */
type Entry = Omit<TimelineEntry, "event"> & { event: { event?: string } };

export async function render(view: HTMLElement, [id]: string[]): Promise<void> {
  const [{ lead }, why, timeline] = await Promise.all([
    api<{ lead: LeadSummary }>(`/api/leads/${id}`),
    api<Explanation>(`/api/leads/${id}/explain`),
    api<{ entries: Entry[] }>(`/api/leads/${id}/timeline?limit=200`),
  ]);
  const label = leadLabel({ id: id!, userId: lead.userId ?? null, email: lead.email ?? null });
  const facts: Array<[string, string]> = [
    ["score", `${lead.score} = engagement ${lead.behaviourScore} + fit ${lead.icpScore}`],
    ["stage (engagement)", lead.stage],
    ["grade (whole score)", lead.grade],
    ["conversion probability (30 days)", percent(lead.conversionProbability)],
    ["events", String(lead.eventCount)],
    ["identities", lead.identities.map((i: { kind: string; value: string }) => `${i.kind}: ${i.value}`).join(", ")],
    ["first / last seen", `${time(lead.firstSeen)} / ${time(lead.lastSeen)}`],
    ["lead id", id!],
  ];
  const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
  const parts = [
    ...why.behaviour.byRule.map((c) => row(`rule: ${c.label}`, String(c.count), signed(c.points))),
    why.behaviour.decay !== 0 ? row("decay (inactivity)", "", signed(why.behaviour.decay)) : null,
    why.behaviour.retained !== 0 ? row("baseline of pruned events (retention)", "", signed(why.behaviour.retained)) : null,
    row("ICP: company size", "", signed(why.icp.companySize)),
    row("ICP: annual revenue", "", signed(why.icp.annualRevenue)),
    row("ICP: funding stage", "", signed(why.icp.funding)),
    why.icp.cappedBy !== 0 ? row("ICP: capped at 100", "", signed(why.icp.cappedBy)) : null,
    el("tr", { class: "total" }, el("th", { scope: "row" }, "score"), el("td", {}, ""), el("td", {}, String(why.score))),
  ].filter((r): r is HTMLTableRowElement => r !== null);
  const status = notice();
  const actions = el(
    "div",
    { class: "actions" },
    button("Export JSON", () => void exportLead(id!, status).catch((e: Error) => status.show(e.message, true))),
    me.canWrite ? button("Erase…", () => void erase(id!, label, status).catch((e: Error) => status.show(e.message, true)), { class: "danger" }) : null,
  );
  const stale = why.scoringVersion.lead < why.scoringVersion.namespace ? el("p", { class: "muted" }, "Rescoring under the latest rules is in progress; the explanation uses the latest rules.") : null;

  view.replaceChildren(
    el("p", {}, el("a", { href: "#/leads" }, "← Leads")),
    el(
      "div",
      { class: "grid" },
      card(`Lead ${label}`, el("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])), el("p", { class: "muted" }, SCORE_MEANING), actions, status),
      conversionCard(lead.conversionProbability, lead.conversionFeatures ?? []),
      card("Why this score", stale, table(["part", "events", "points"], parts), el("h3", {}, "By event"), table(["event", "events", "points"], why.behaviour.byEvent.map((c) => row(c.label, String(c.count), signed(c.points))))),
      card("Behaviour score over time", line("behaviour score over time", why.history.map((h) => [Date.parse(h.at), h.behaviour]), { x: "time", y: "behaviour points" })),
      card("Stage history", table(["when", "from", "to", "behaviour score"], why.stageChanges.map((s) => row(time(s.at), s.from ?? "—", s.to, String(s.score))), "No stage changes yet.")),
      card(
        "Timeline (latest 200)",
        table(
          ["time", "type", "event", "points", "score"],
          timeline.entries
            .slice()
            .reverse()
            .map((e) => row(time(e.timestamp), e.type, e.event?.event ?? e.name, e.scoreDelta ? signed(e.scoreDelta) : "", String(e.runningScore))),
        ),
      ),
    ),
  );
}

/** The model's probability and the three features that moved it most (from the lead's last summary). */
function conversionCard(probability: number | null, features: TopFeature[]): HTMLElement {
  if (probability === null) return card("Conversion probability", el("p", { class: "muted" }, "No model in use in this namespace: see ", el("a", { href: "#/model" }, "Model"), "."));
  return card(
    "Conversion probability",
    el("p", { class: "big", "aria-label": "conversion probability" }, percent(probability)),
    el("p", { class: "muted" }, "The chance this lead converts within 30 days, as of its last change; what moved it most from the average lead:"),
    table(["feature", "push on the log-odds"], features.map((f) => row(f.feature, signedFixed(f.contribution)))),
  );
}

async function exportLead(id: string, status: ReturnType<typeof notice>) {
  const res = await request("GET", `/api/leads/${id}/export`);
  const url = URL.createObjectURL(await res.blob());
  const link = el("a", { href: url, download: `lead-${id}.json` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  status.show("Exported.");
}

async function erase(id: string, label: string, status: ReturnType<typeof notice>) {
  if (!confirm(`Erase ${label} everywhere and suppress its identities? This cannot be undone.`)) return;
  const result = await send<{ identitiesSuppressed: number }>("DELETE", `/api/leads/${id}`);
  status.show(`Erased; ${result.identitiesSuppressed} identities suppressed.`);
  location.hash = "#/leads";
}
