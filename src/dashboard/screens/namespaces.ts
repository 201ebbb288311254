// Namespaces (admin token only): the list with each one's campaign-name
// keywords and the namespaces it accepts routed activity from; create one,
// and edit both lists (comma-separated).
import { api, send } from "../lib/api";
import { card, el, field, input, notice, row, table } from "../lib/dom";
import { createForm } from "../lib/keys";
import type { ListedNamespace as Namespace } from "../../contracts/namespaces";

const list = (text: string) => text.split(",").map((s) => s.trim()).filter(Boolean);

function editForm(ns: Namespace, onSaved: () => void): HTMLFormElement {
  const status = notice();
  const keywords = input("keywords", { value: ns.keywords.join(", ") });
  const accepted = input("acceptRoutedFrom", { value: ns.acceptRoutedFrom.join(", ") });
  const form = el(
    "form",
    { class: "stack", "aria-label": `Edit ${ns.name}` },
    field(`Keywords of ${ns.name} (comma-separated)`, keywords),
    field(`Accept routed activity from (namespace names, comma-separated)`, accepted),
    el("button", {}, `Save ${ns.name}`),
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send("PATCH", `/api/namespaces/${encodeURIComponent(ns.name)}`, { keywords: list(keywords.value), acceptRoutedFrom: list(accepted.value) })
      .then(() => {
        status.show("Saved.");
        onSaved();
      })
      .catch((e: Error) => status.show(e.message, true));
  });
  return form;
}

export async function render(view: HTMLElement): Promise<void> {
  const { namespaces } = await api<{ namespaces: Namespace[] }>("/api/namespaces");
  const editing = el("div", {});
  const refresh = () => void render(view).catch(() => undefined);
  const edit = (ns: Namespace) => {
    editing.replaceChildren(editForm(ns, refresh));
    editing.querySelector("input")?.focus();
  };
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card(
        "Namespaces",
        table(
          ["edit", "name", "keywords", "accepts routed from"],
          namespaces.map((ns) => row(el("button", { type: "button", "aria-label": `Edit ${ns.name}`, onclick: () => edit(ns) }, "Edit"), ns.name, ns.keywords.join(", ") || "—", ns.acceptRoutedFrom.join(", ") || "—")),
          "No namespaces yet.",
        ),
        editing,
      ),
      card(
        "New namespace",
        createForm([field("Name", input("name", { required: true })), field("Keywords (comma-separated)", input("keywords"))], "Create namespace", async (v) => {
          await send("POST", "/api/namespaces", { name: v.name, keywords: list(v.keywords ?? "") });
          window.dispatchEvent(new Event("namespaces-changed"));
          setTimeout(refresh, 0);
          return el("p", {}, `Namespace ${v.name} created.`);
        }),
      ),
    ),
  );
}
