// The lead list: free-text search, filters (company, stage, grade, score and
// last-seen ranges), a server-side sort on every column, keyset pages, CSV
// export of everything the filters select, refreshed when the live stream
// says something happened.
import { api, request } from "../lib/api";
import { button, card, el, field, formValues, input, notice, select } from "../lib/dom";
import { onNotice } from "../lib/live";
import { firstOrder, leadsTable, STAGES, type ListedLead, type Order } from "../lib/leads";
import type { LeadSummary } from "../../contracts/lead-rpc";

const REFRESH_AFTER_NOTICE_MS = 2_000;
/** The list reads the projection, seconds behind the live stream: a slow poll catches what a notice's refresh was too early for. */
const POLL_MS = 10_000;

/** The API's sort keys (GET /api/leads?sort=), as the sort control offers them. */
const SORTS = ["score", "engagement", "fit", "stage", "grade", "velocity", "conversion_probability", "events", "last_activity", "first_seen", "company"];

/** A date control's day as the start or the end of that day in the operator's time zone. */
const dayStart = (day: string) => new Date(`${day}T00:00:00`).toISOString();
const dayEnd = (day: string) => new Date(`${day}T23:59:59.999`).toISOString();
const DATE_PARAMS: Record<string, (day: string) => string> = { lastSeenFrom: dayStart, lastSeenTo: dayEnd, updatedSince: dayStart };

export async function render(view: HTMLElement, params: string[] = []): Promise<() => void> {
  const filters = el(
    "form",
    { class: "filters", "aria-label": "Filter and sort leads" },
    field("Search (email, user id, company, name)", input("q", { type: "search", maxlength: "200" })),
    field("Company", input("company", { maxlength: "200" })),
    field("Stage", select("stage", ["", ...STAGES])),
    field("Grade", select("grade", ["", "A+", "A", "B+", "B", "C+", "C", "D", "F"])),
    field("Score from", input("minScore", { type: "number", inputmode: "numeric", step: "any" })),
    field("Score to", input("maxScore", { type: "number", inputmode: "numeric", step: "any" })),
    field("Last seen from", input("lastSeenFrom", { type: "date" })),
    field("Last seen to", input("lastSeenTo", { type: "date" })),
    field("Changed since", input("updatedSince", { type: "date" })),
    field("Sort", select("sort", SORTS)),
    field("Order", select("order", ["desc", "asc"])),
    el("button", {}, "Filter"),
    button("Clear", () => {
      filters.reset();
      void load();
    }),
  );
  // #/leads/company/<name>: the list opened on one company.
  if (params[0] === "company" && params[1]) (filters.elements.namedItem("company") as HTMLInputElement).value = params[1];
  const status = notice();
  const body = el("div", {});
  const more = button("More", () => void load(true), { hidden: true });
  let cursor: string | null = null;
  let leads: ListedLead[] = [];
  const sortSelect = filters.elements.namedItem("sort") as HTMLSelectElement;
  const orderSelect = filters.elements.namedItem("order") as HTMLSelectElement;
  // A new sort column starts in its natural order (names A→Z, numbers highest first).
  sortSelect.addEventListener("change", () => (orderSelect.value = firstOrder(sortSelect.value)));

  const query = () => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(formValues(filters))) if (v) params.set(k, DATE_PARAMS[k]?.(v) ?? v);
    return params;
  };
  async function load(append = false) {
    const params = query();
    if (append && cursor) params.set("cursor", cursor);
    const page = await api<{ leads: ListedLead[]; nextCursor: string | null }>(`/api/leads?${params}`);
    leads = append ? [...leads, ...page.leads] : page.leads;
    cursor = page.nextCursor;
    more.hidden = !cursor;
    body.replaceChildren(
      leadsTable(leads, { sort: sortSelect.value, order: orderSelect.value as Order }, (next) => {
        sortSelect.value = next.sort;
        orderSelect.value = next.order;
        void load();
      }),
    );
  }
  async function exportCsv() {
    status.show("Exporting…");
    const res = await request("GET", `/api/leads/export.csv?${query()}`);
    const url = URL.createObjectURL(await res.blob());
    const link = el("a", { href: url, download: "leads.csv" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.show("Exported leads.csv (every page of this filter).");
  }
  // Search: a lead by its email, user id or anonymous id (the API's exact lookup), opened at once.
  const who = input("identity", { required: true, type: "search", placeholder: "ada@example.com or a user id" });
  const search = el("form", { class: "filters", role: "search", "aria-label": "Find a lead" }, field("Find a lead (email, user id or anonymous id)", who), el("button", {}, "Find"));
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = who.value.trim();
    const kinds = value.includes("@") ? ["email"] : ["userId", "anonymousId"];
    void (async () => {
      for (const kind of kinds) {
        try {
          const { lead } = await api<{ lead: LeadSummary }>(`/api/leads/lookup?${kind}=${encodeURIComponent(value)}`);
          location.hash = `#/lead/${lead.id}`;
          return;
        } catch {
          // not under this kind of identity: try the next
        }
      }
      status.show(`No lead has the identity ${value}.`, true);
    })();
  });
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    void load().catch((e: Error) => status.show(e.message, true));
  });
  let pending: ReturnType<typeof setTimeout> | undefined;
  const stop = onNotice(() => {
    if (pending || cursor) return; // keep a paged-out list still
    pending = setTimeout(() => {
      pending = undefined;
      void load().catch(() => undefined);
    }, REFRESH_AFTER_NOTICE_MS);
  });
  const poll = setInterval(() => {
    if (!cursor && !document.hidden) void load().catch(() => undefined);
  }, POLL_MS);
  await load();
  view.replaceChildren(card("Leads", search, filters, el("p", { class: "muted" }, "Engagement is the behaviour score (its stage), fit the ICP score; the grade follows their sum. The score has no upper bound: compare leads with each other. A lead's company is its identify traits' company, else its work email's domain. Conversion is the predictive model's chance the lead converts within 30 days (— without a model in use: see Model)."), el("div", { class: "actions" }, button("Export CSV", () => void exportCsv().catch((e: Error) => status.show(e.message, true)))), status, body, more));
  return () => {
    stop();
    clearTimeout(pending);
    clearInterval(poll);
  };
}
