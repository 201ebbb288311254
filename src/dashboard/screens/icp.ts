// The ICP table: points per company size, annual revenue and funding stage.
import { api, me, send } from "../lib/api";
import { button, card, el, row, table } from "../lib/dom";
import { jsonForm } from "../lib/json-form";

interface Bucket {
  min: number;
  max: number | null;
  points: number;
}

export async function render(view: HTMLElement): Promise<void> {
  const { icpTable } = await api<{ icpTable: { companySize: Bucket[]; annualRevenue: Bucket[]; funding: Record<string, number> } }>("/api/icp-table");
  const range = (b: Bucket) => `${b.min} – ${b.max ?? "∞"}`;
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
        el("p", { class: "muted" }, "A lead's ICP score is the sum of its three parts, capped at 100, added to its behaviour score."),
        me.canWrite ? button("Reset to defaults", () => void send("DELETE", "/api/icp-table").then(() => render(view))) : null,
      ),
      card("Edit", jsonForm("ICP table (JSON)", icpTable, "Save ICP table", (value) => send("PUT", "/api/icp-table", value).then(() => render(view)))),
    ),
  );
}
