// Privacy requests: find a lead by email or user id, export what is held,
// erase it (with confirmation); the suppression list's size.
import { api, me } from "../lib/api";
import { card, el, field, formValues, input, notice, row, select, table } from "../lib/dom";
import { leadLink } from "../lib/leads";
import type { LeadSummary } from "../../contracts/lead-rpc";

export async function render(view: HTMLElement): Promise<void> {
  const stats = await api<{ suppression: Record<string, number> }>(`/api/namespaces/${encodeURIComponent(me.namespace)}/stats`);
  const status = notice();
  const found = el("div", {});
  const form = el("form", { class: "filters" }, field("Identity", select("kind", ["email", "userId", "anonymousId"])), field("Value", input("value", { required: true })), el("button", {}, "Find lead"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = formValues(form);
    api<{ lead: LeadSummary }>(`/api/leads/lookup?${v.kind}=${encodeURIComponent(v.value!)}`)
      .then(({ lead }) => {
        status.show("");
        found.replaceChildren(table(["lead", "score", "stage"], [row(leadLink(lead), String(lead.score), lead.stage)]), el("p", { class: "muted" }, "Open the lead to export it as JSON or erase it."));
      })
      .catch((e: Error) => status.show(e.message, true));
  });
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card("Find a lead", form, status, found, me.canWrite ? null : el("p", { class: "muted" }, "This key has the read scope: it may export but not erase.")),
      card("Suppression list", table(["measure", "count"], Object.entries(stats.suppression).map(([k, n]) => row(k, String(n)))), el("p", { class: "muted" }, "Identities of erased leads are suppressed: their events are dropped and counted here.")),
    ),
  );
}
