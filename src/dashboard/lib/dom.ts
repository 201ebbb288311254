// DOM helpers: every text is set as text, never parsed as HTML.
export type Child = Node | string | null | undefined | false;

export const $ = <T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T => root.querySelector<T>(selector)!;

type Attrs = Record<string, string | boolean | undefined | ((event: Event) => void)>;

/** An element: attributes (false/undefined ones left out), `on…` listeners, then children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else if (typeof value === "string") node.setAttribute(name, value);
  }
  node.append(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
  return node;
}

/** A card with a heading: the unit every screen is built of. */
export function card(title: string, ...children: Child[]): HTMLElement {
  return el("section", { class: "card", "aria-label": title }, el("h2", {}, title), ...children);
}

/**
 * A table whose every column stays in view: cells wrap (long values break
 * anywhere), and where even so the table is wider than its box (a phone, a
 * narrow card) each row stacks into "column value" lines, the column named
 * by `data-label` (set here from the headers).
 */
export function table(headers: string[], rows: Node[], empty = "Nothing yet."): HTMLElement {
  const body = rows.length > 0 ? rows : [el("tr", { class: "empty" }, el("td", { colspan: String(headers.length), class: "muted" }, empty))];
  if (rows.length > 0) labelCells(headers, rows);
  const grid = el("table", { class: "data" }, el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, ...body));
  return stackWhenTooWide(el("div", { class: "scroll", role: "region", "aria-label": `${headers.filter(Boolean).join(", ")} table` }, grid), grid);
}

/** Marks `box` stacked while `grid`, laid out as a table, is wider than it; asked again whenever the box's width changes. */
export function stackWhenTooWide(box: HTMLElement, grid: HTMLElement): HTMLElement {
  let width = -1;
  new ResizeObserver(([entry]) => {
    if (!entry || entry.contentRect.width === width) return; // the stacking itself changes only the height
    width = entry.contentRect.width;
    box.classList.remove("stacked");
    box.classList.toggle("stacked", grid.offsetWidth > box.clientWidth + 1);
  }).observe(box);
  return box;
}

/** Names each cell by its column, for the stacked layout of a narrow screen. */
export function labelCells(headers: string[], rows: Iterable<Node>): void {
  for (const tr of rows) {
    if (!(tr instanceof HTMLTableRowElement)) continue;
    [...tr.cells].forEach((cell, i) => headers[i] && cell.setAttribute("data-label", headers[i]!));
  }
}

export const row = (...cells: Child[]) => el("tr", {}, ...cells.map((c) => el("td", {}, c)));

/** A labelled control: the label wraps it, so screen readers name it. */
export function field(label: string, control: HTMLElement): HTMLElement {
  return el("label", { class: "field" }, el("span", {}, label), control);
}

export const input = (name: string, attrs: Attrs = {}) => el("input", { name, ...attrs });

export function select(name: string, options: readonly string[], attrs: Attrs = {}): HTMLSelectElement {
  return el("select", { name, ...attrs }, ...options.map((o) => el("option", { value: o }, o || "any")));
}

export const button = (text: string, onclick: (event: Event) => void, attrs: Attrs = {}) => el("button", { type: "button", ...attrs, onclick }, text);

/** A one-line status under a form: errors in red, announced to screen readers. */
export function notice(): HTMLElement & { show(text: string, error?: boolean): void } {
  const node = el("p", { class: "notice", role: "status", "aria-live": "polite" }) as unknown as HTMLElement & { show(text: string, error?: boolean): void };
  node.show = (text, error = false) => {
    node.textContent = text;
    node.className = error ? "notice error" : "notice";
  };
  return node;
}

/** A moment to the minute, in short words that wrap in a narrow column: "Dec 7, 2026, 3:29 PM". */
export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "—");

export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) values[name] = String(value).trim();
  return values;
}

/** Text shown once (a new key or secret) with a copy button. */
export function secretBox(label: string, value: string): HTMLElement {
  const box = el("input", { value, readonly: true, "aria-label": label, class: "secret" });
  return el("div", { class: "once" }, el("strong", {}, `${label} (shown once): `), box, button("Copy", () => void navigator.clipboard?.writeText(value).catch(() => box.select())));
}
