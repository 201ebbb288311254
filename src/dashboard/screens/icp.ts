// The ICP table: points per company size, annual revenue and funding stage,
// edited as rows added and removed.
import { api, me, send } from "../lib/api";
import { button, card, el, notice, row, table } from "../lib/dom";
import { rowsEditor, type Column } from "../lib/rows";
import type { IcpTable, RangeBucket as Bucket } from "../../scoring/icp";

const POINTS: Column = { name: "points", label: "points", type: "number", attrs: { min: "0", max: "100", step: "1" } };
const BUCKET_COLUMNS: Column[] = [
  { name: "min", label: "from", type: "number", attrs: { min: "0", step: "any" } },
  { name: "max", label: "up to (empty: no limit)", type: "number", optional: true, attrs: { min: "0", step: "any" } },
  POINTS,
];

function icpForm(icpTable: IcpTable, onSaved: () => void): HTMLFormElement {
  const size = rowsEditor("company size", BUCKET_COLUMNS, icpTable.companySize as unknown as Array<Record<string, number | null>>);
  const revenue = rowsEditor("annual revenue", BUCKET_COLUMNS, icpTable.annualRevenue as unknown as Array<Record<string, number | null>>);
  const funding = rowsEditor("funding stage", [{ name: "stage", label: "stage", type: "text", attrs: { maxlength: "100" } }, POINTS], Object.entries(icpTable.funding).map(([stage, points]) => ({ stage, points })));
  const status = notice();
  const form = el(
    "form",
    { class: "stack", "aria-label": "Edit the ICP table" },
    el("h3", {}, "Company size (employees)"),
    size.element,
    el("h3", {}, "Annual revenue (USD)"),
    revenue.element,
    el("h3", {}, "Funding stage"),
    funding.element,
    el("button", { disabled: !me.canWrite }, "Save ICP table"),
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let body: IcpTable;
    try {
      body = {
        companySize: size.read() as unknown as Bucket[],
        annualRevenue: revenue.read() as unknown as Bucket[],
        funding: Object.fromEntries(funding.read().map((r) => [r.stage as string, r.points as number])),
      };
    } catch (error) {
      return status.show((error as Error).message, true);
    }
    send("PUT", "/api/icp-table", body)
      .then(onSaved)
      .catch((e: Error) => status.show(e.message, true));
  });
  return form;
}

export async function render(view: HTMLElement): Promise<void> {
  const { icpTable } = await api<{ icpTable: IcpTable }>("/api/icp-table");
  const n = (v: number) => v.toLocaleString("en");
  const range = (b: Bucket) => `${n(b.min)} – ${b.max === null ? "∞" : n(b.max)}`;
  const status = notice();
  const rows = icpTable.companySize.length + icpTable.annualRevenue.length + Object.keys(icpTable.funding).length;
  const reset = () => {
    if (!confirm(`Reset the ICP table to the defaults? Its ${rows} rows are replaced by the default ones, and every lead's fit is scored again.`)) return;
    send("DELETE", "/api/icp-table")
      .then(() => render(view))
      .catch((e: Error) => status.show(e.message, true));
  };
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card(
        "ICP table",
        table(
          ["firmographic", "range or stage", "points"],
          [
            ...icpTable.companySize.map((b) => row("employees", range(b), String(b.points))),
            ...icpTable.annualRevenue.map((b) => row("annual revenue", range(b), String(b.points))),
            ...Object.entries(icpTable.funding).map(([stage, points]) => row("funding stage", stage, String(points))),
          ],
        ),
        el("p", { class: "muted" }, "A lead's ICP score (its fit) is the sum of its three parts, capped at 100, added to its behaviour score (its engagement). The grade follows that whole score; the stage follows engagement alone."),
        me.canWrite ? button("Reset to defaults…", () => reset(), { class: "danger" }) : null,
        status,
      ),
      me.canWrite ? card("Edit", icpForm(icpTable, () => void render(view))) : null,
    ),
  );
}
