// A small table of inputs whose rows the user adds and removes (ICP buckets,
// funding stages): each input labelled by its table, column and row.
import { button, el, labelCells, stackWhenTooWide } from "./dom";

export interface Column {
  name: string;
  label: string;
  type: "number" | "text";
  /** A number column left empty reads as null (e.g. a bucket without an upper bound). */
  optional?: boolean;
  attrs?: Record<string, string>;
}

export type RowValues = Record<string, string | number | null>;

export interface RowsEditor {
  element: HTMLElement;
  /** Every row's values; throws naming the row and column of a value that is not a number. */
  read(): RowValues[];
}

export function rowsEditor(title: string, columns: Column[], initial: RowValues[]): RowsEditor {
  const body = el("tbody", {});
  const renumber = () =>
    [...body.rows].forEach((tr, i) => {
      for (const [j, cell] of [...tr.querySelectorAll("input")].entries()) cell.setAttribute("aria-label", `${title}: ${columns[j]!.label}, row ${i + 1}`);
      tr.querySelector("button")!.setAttribute("aria-label", `Remove ${title} row ${i + 1}`);
      labelCells(columns.map((c) => c.label), [tr]);
    });
  const addRow = (values: RowValues) => {
    const inputs = columns.map((c) => {
      const input = el("input", { name: c.name, type: c.type, required: !c.optional, placeholder: c.optional ? "none" : undefined, ...c.attrs });
      const value = values[c.name];
      input.value = value === null || value === undefined ? "" : String(value);
      return el("td", {}, input);
    });
    const tr = el("tr", {}, ...inputs, el("td", {}, button("Remove", () => (tr.remove(), renumber()), { class: "danger" })));
    body.append(tr);
    renumber();
  };
  initial.forEach(addRow);
  const grid = el("table", { class: "data" }, el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", { scope: "col" }, c.label)), el("th", { scope: "col" }, el("span", { class: "sr-only" }, "remove")))), body);
  const element = el(
    "div",
    { class: "rows" },
    stackWhenTooWide(el("div", { class: "scroll" }, grid), grid),
    button(`Add ${title} row`, () => addRow({})),
  );
  return {
    element,
    read: () =>
      [...body.rows].map((tr, i) =>
        Object.fromEntries(
          columns.map((c, j) => {
            const raw = (tr.querySelectorAll("input")[j] as HTMLInputElement).value.trim();
            if (c.type === "text") return [c.name, raw];
            if (raw === "" && c.optional) return [c.name, null];
            const n = Number(raw);
            if (raw === "" || !Number.isFinite(n)) throw new Error(`${title}, row ${i + 1}: ${c.label} must be a number`);
            return [c.name, n];
          }),
        ),
      ),
  };
}
