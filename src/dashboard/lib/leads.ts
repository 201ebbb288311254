// How a lead is named and linked across screens, and the sortable lead
// table the leads list and a company's page share.
import { el, row, table, time } from "./dom";
import type { TopFeature } from "../../predict/serve";
import type { ListedLead } from "../../contracts/listed-lead";

export type { ListedLead, TopFeature };

/** A probability as a percentage ("12.3%"); "—" when there is none. */
export const percent = (p: number | null | undefined) => (p === null || p === undefined ? "—" : `${(p * 100).toFixed(1)}%`);

/** A weight or push on the log-odds, signed, two places: "+1.24". */
export const signedFixed = (n: number) => `${n > 0 ? "+" : ""}${n.toFixed(2)}`;

export const leadLabel = (lead: { userId?: string | null; email?: string | null; id: string }) => lead.email ?? lead.userId ?? `${lead.id.slice(0, 10)}…`;

export const leadLink = (lead: { userId?: string | null; email?: string | null; id: string }) => el("a", { href: `#/lead/${lead.id}` }, leadLabel(lead));

export const STAGES = ["cold", "warm", "hot", "qualified"] as const;
export const SCORE_BUCKET_LABELS = ["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100+"];

/** What the two axes mean: the stage follows engagement alone, the grade adds fit. */
export const SCORE_MEANING =
  "Score = engagement (behaviour: the points of the lead's events, decaying while it is inactive) + fit (ICP: company size, revenue and funding, up to 100). " +
  "The stage follows engagement alone: cold below 30, warm from 30, hot from 60, qualified from 100. " +
  "The grade follows the whole score: A+ from 90, A 80, B+ 70, B 60, C+ 50, C 40, D 20, F below. " +
  "So a company that fits well but has not engaged yet is “cold / A+”.";

/** A company's page (the route decodes the name). */
export const companyLink = (company: string) => el("a", { href: `#/company/${encodeURIComponent(company)}` }, company);

export type Order = "asc" | "desc";
export interface SortState {
  sort: string;
  order: Order;
}

/** The server's default order for a column: names A→Z, numbers highest first. */
export const firstOrder = (sort: string): Order => (sort === "company" ? "asc" : "desc");

/**
 * Makes the headers of `list` that `keys` names (header text → sort key)
 * buttons that sort on the server: a click on the sorted column turns its
 * order round, on another sorts by it. aria-sort says which and how.
 */
export function sortableHeaders(list: HTMLElement, keys: Record<string, string>, state: SortState, onSort: (next: SortState) => void): void {
  for (const th of list.querySelectorAll("th")) {
    const header = th.textContent ?? "";
    const key = keys[header];
    if (!key) continue;
    const sorted = state.sort === key;
    th.setAttribute("aria-sort", sorted ? (state.order === "asc" ? "ascending" : "descending") : "none");
    const next: SortState = sorted ? { sort: key, order: state.order === "asc" ? "desc" : "asc" } : { sort: key, order: firstOrder(key) };
    th.replaceChildren(el("button", { type: "button", class: "sort", onclick: () => onSort(next) }, `${header}${sorted ? (state.order === "asc" ? " ▲" : " ▼") : ""}`));
  }
}

/** The lead list's columns, each with the API's sort key (every one sorts). */
export const LEAD_COLUMNS: Record<string, string> = {
  lead: "",
  company: "company",
  score: "score",
  engagement: "engagement",
  fit: "fit",
  stage: "stage",
  grade: "grade",
  velocity: "velocity",
  conversion: "conversion_probability",
  events: "events",
  "last activity": "last_activity",
};

/** Leads as a table, the lead named (and its name given) and its company linked to the company's page. */
export function leadsTable(leads: ListedLead[], state: SortState, onSort: (next: SortState) => void, empty = "No leads match."): HTMLElement {
  const rows = leads.map((l) =>
    row(
      el("span", {}, leadLink(l), l.name ? el("span", { class: "muted" }, ` ${l.name}`) : null),
      l.company ? companyLink(l.company) : "—",
      String(l.score),
      String(l.behaviourScore),
      String(l.icpScore),
      l.stage,
      l.grade,
      String(l.velocity),
      percent(l.conversionProbability),
      String(l.eventCount),
      time(l.lastActivity),
    ),
  );
  const list = table(Object.keys(LEAD_COLUMNS), rows, empty);
  sortableHeaders(list, LEAD_COLUMNS, state, onSort);
  return list;
}
