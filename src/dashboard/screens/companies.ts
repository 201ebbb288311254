// The account view: leads grouped by company (GET /api/companies), with
// each company's combined and best score, sorted on the server and paged;
// a company's page (#/company/<name>) lists its leads. Not "Accounts": those
// are the connected outreach accounts (screens/accounts.ts).
import { api } from "../lib/api";
import { button, card, el, field, formValues, input, notice, row, table, time } from "../lib/dom";
import type { CompanyRow as Company } from "../../leads/company";
import { companyLink, firstOrder, leadsTable, sortableHeaders, type ListedLead, type SortState } from "../lib/leads";

const PAGE = 50;

const COLUMNS: Record<string, string> = {
  company: "company",
  leads: "leads",
  "combined score": "score_sum",
  "best score": "score_best",
  "best grade": "grade",
  "best stage": "stage",
  events: "events",
  "last activity": "last_activity",
};

const WHERE_FROM =
  "A lead's company is the company trait of its identify calls, else the domain of its work email (a webmail address such as gmail.com names none; such leads are left out here). " +
  "The combined score is the sum of the company's lead scores, the best the highest of them; best grade and stage are its best lead's.";

export async function render(view: HTMLElement): Promise<void> {
  const search = el("form", { class: "filters", role: "search", "aria-label": "Find a company" }, field("Company name contains", input("q", { type: "search", maxlength: "200" })), el("button", {}, "Search"));
  const status = notice();
  const body = el("div", {});
  const pager = el("div", { class: "actions" });
  let state: SortState = { sort: "score_sum", order: "desc" };
  let offset = 0;

  async function load() {
    const params = new URLSearchParams({ sort: state.sort, order: state.order, limit: String(PAGE), offset: String(offset) });
    const { q } = formValues(search);
    if (q) params.set("q", q);
    const page = await api<{ companies: Company[]; total: number; nextOffset: number | null }>(`/api/companies?${params}`);
    const list = table(
      Object.keys(COLUMNS),
      page.companies.map((c) => row(companyLink(c.company), String(c.leads), String(c.scoreSum), String(c.scoreBest), c.bestGrade, c.bestStage, String(c.events), time(c.lastActivity))),
      q ? "No company matches." : "No lead has a company yet.",
    );
    sortableHeaders(list, COLUMNS, state, (next) => {
      state = next;
      offset = 0;
      void load();
    });
    body.replaceChildren(list);
    const shown = page.companies.length;
    const controls = [el("span", { class: "muted" }, page.total === 0 ? "" : `Companies ${offset + 1}–${offset + shown} of ${page.total}`)];
    if (offset > 0) controls.push(button("Previous", () => ((offset = Math.max(0, offset - PAGE)), void load())));
    if (page.nextOffset !== null) controls.push(button("Next", () => ((offset = page.nextOffset!), void load())));
    pager.replaceChildren(...controls);
  }
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    offset = 0;
    void load().catch((e: Error) => status.show(e.message, true));
  });
  await load();
  view.replaceChildren(card("Companies", el("p", { class: "muted" }, WHERE_FROM), search, status, body, pager));
}

/** One company: its account figures, then its leads (sortable, paged by cursor). */
export async function renderCompany(view: HTMLElement, params: string[]): Promise<void> {
  const name = params[0] ?? "";
  const status = notice();
  const body = el("div", {});
  const more = button("More", () => void load(true).catch((e: Error) => status.show(e.message, true)), { hidden: true });
  const facts = el("dl", { class: "facts" });
  let state: SortState = { sort: "score", order: firstOrder("score") };
  let cursor: string | null = null;
  let leads: ListedLead[] = [];

  async function load(append = false) {
    const query = new URLSearchParams({ sort: state.sort, order: state.order });
    if (append && cursor) query.set("cursor", cursor);
    const page = await api<{ company: Company; leads: ListedLead[]; nextCursor: string | null }>(`/api/companies/${encodeURIComponent(name)}/leads?${query}`);
    const c = page.company;
    facts.replaceChildren(
      ...(
        [
          ["leads", String(c.leads)],
          ["combined score", String(c.scoreSum)],
          ["best score", String(c.scoreBest)],
          ["best grade", c.bestGrade],
          ["best stage", c.bestStage],
          ["events", String(c.events)],
          ["last activity", time(c.lastActivity)],
        ] as const
      ).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]),
    );
    leads = append ? [...leads, ...page.leads] : page.leads;
    cursor = page.nextCursor;
    more.hidden = !cursor;
    body.replaceChildren(
      leadsTable(leads, state, (next) => {
        state = next;
        void load().catch((e: Error) => status.show(e.message, true));
      }),
    );
  }
  await load();
  view.replaceChildren(
    el(
      "div",
      { class: "stack" },
      card(name, facts, el("p", {}, el("a", { href: "#/companies" }, "All companies"), " · ", el("a", { href: `#/leads/company/${encodeURIComponent(name)}` }, "Filter the leads list by this company"))),
      card(`Leads at ${name}`, status, body, more),
    ),
  );
}


