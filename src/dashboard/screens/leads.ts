// The lead list: filters, keyset pages, CSV export of everything the filters
// select, refreshed when the live stream says something happened.
import { api, request } from "../lib/api";
import { button, card, el, field, formValues, input, notice, row, select, table, time } from "../lib/dom";
import { onNotice } from "../lib/live";
import { leadLink, percent, STAGES, type ListedLead } from "../lib/leads";

const REFRESH_AFTER_NOTICE_MS = 2_000;
/** The list reads the projection, seconds behind the live stream: a slow poll catches what a notice's refresh was too early for. */
const POLL_MS = 10_000;

export async function render(view: HTMLElement): Promise<() => void> {
  const filters = el(
    "form",
    { class: "filters" },
    field("Stage", select("stage", ["", ...STAGES])),
    field("Grade", select("grade", ["", "A+", "A", "B+", "B", "C+", "C", "D", "F"])),
    field("Min score", input("minScore", { type: "number", inputmode: "numeric" })),
    field("Changed since", input("updatedSince", { type: "date" })),
    field("Sort", select("sort", ["score", "last_activity", "conversion_probability"])),
    el("button", {}, "Filter"),
  );
  const status = notice();
  const body = el("div", {});
  const more = button("More", () => void load(true), { hidden: true });
  let cursor: string | null = null;
  let rows: HTMLElement[] = [];

  const query = () => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(formValues(filters))) if (v) params.set(k, k === "updatedSince" ? new Date(`${v}T00:00:00`).toISOString() : v);
    return params;
  };
  async function load(append = false) {
    const params = query();
    if (append && cursor) params.set("cursor", cursor);
    const page = await api<{ leads: ListedLead[]; nextCursor: string | null }>(`/api/leads?${params}`);
    const fresh = page.leads.map((l) =>
      row(leadLink(l), String(l.score), String(l.behaviourScore), String(l.icpScore), l.stage, l.grade, String(l.velocity), percent(l.conversionProbability), String(l.eventCount), time(l.lastActivity)),
    );
    rows = append ? [...rows, ...fresh] : fresh;
    cursor = page.nextCursor;
    more.hidden = !cursor;
    const list = table(["lead", "score", "engagement", "fit", "stage", "grade", "velocity", "conversion", "events", "last activity"], rows, "No leads match.");
    sortable(list);
    body.replaceChildren(list);
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
  /** The score, conversion and last-activity headers sort the list (on the server: every page, not only this one). */
  const SORT_KEYS: Record<string, string> = { score: "score", conversion: "conversion_probability", "last activity": "last_activity" };
  const sortSelect = filters.elements.namedItem("sort") as HTMLSelectElement;
  function sortable(list: HTMLElement) {
    for (const th of list.querySelectorAll("th")) {
      const key = SORT_KEYS[th.textContent ?? ""];
      if (!key) continue;
      const sorted = sortSelect.value === key;
      th.setAttribute("aria-sort", sorted ? "descending" : "none");
      th.replaceChildren(el("button", { type: "button", class: "sort", onclick: () => ((sortSelect.value = key), void load()) }, `${th.textContent}${sorted ? " ▼" : ""}`));
    }
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
          const { lead } = await api<{ lead: { id: string } }>(`/api/leads/lookup?${kind}=${encodeURIComponent(value)}`);
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
    void load();
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
  view.replaceChildren(card("Leads", search, filters, el("p", { class: "muted" }, "Engagement is the behaviour score (its stage), fit the ICP score; the grade follows their sum. Conversion is the predictive model's chance the lead converts within 30 days (— without a model in use: see Model)."), el("div", { class: "actions" }, button("Export CSV", () => void exportCsv().catch((e: Error) => status.show(e.message, true)))), status, body, more));
  return () => {
    stop();
    clearTimeout(pending);
    clearInterval(poll);
  };
}
