// One kind of key listed in a card: prefix, name, created, last used (and
// scope for API keys), with Rotate (a grace period, the new key shown once)
// and Revoke (after a confirmation) on each row when the key may write.
import { send } from "./api";
import { button, card, el, field, formValues, input, notice, row, secretBox, table, time } from "./dom";
import type { KeyListing, RotatedKey } from "../../contracts/key-listing";

/** A key as the API lists it (src/contracts/key-listing.ts). */
export type ListedKey = KeyListing;

const DAY = 86_400;

/** A key's "shown once" box, wherever it still is, once that key is rotated or revoked: it shows a dead key. */
function dropShownOnce(prefix: string | null): void {
  if (!prefix) return;
  for (const box of document.querySelectorAll<HTMLInputElement>(".once input.secret")) if (box.value.startsWith(prefix)) box.closest(".once")?.remove();
}

/**
 * `base` is the collection's path (e.g. /api/namespaces/acme/api-keys); each
 * key is `${base}/${id}`. After a rotation or a revocation the list is asked
 * for again (`reload`), so it always shows the keys as they now are.
 */
export function keysCard(title: string, base: string, keys: ListedKey[], canWrite: boolean, reload: () => Promise<ListedKey[]>, ...extra: HTMLElement[]): HTMLElement & { refresh(): Promise<void> } {
  const status = notice();
  const out = el("div", {});
  const list = el("div", {});
  const refresh = () => reload().then(draw, (e: Error) => status.show(e.message, true));

  const rotateForm = (key: ListedKey) => {
    const grace = input("graceSeconds", { type: "number", min: "0", max: String(7 * DAY), step: "1", value: String(DAY), required: true });
    const form = el("form", { class: "actions", "aria-label": `Rotate ${key.name}` }, field(`Grace period for the old key of ${key.name} (seconds; 0 ends it at once)`, grace), el("button", {}, "Rotate now"), button("Cancel", () => out.replaceChildren()));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (Number(grace.value) === 0 && !confirm(`Rotate ${key.name} with no grace period? The old key stops working at once.`)) return;
      send<RotatedKey>("POST", `${base}/${encodeURIComponent(key.id)}/rotate`, { graceSeconds: Number(grace.value) })
        .then((r) => {
          dropShownOnce(key.prefix);
          out.replaceChildren(secretBox(`New key for ${key.name}`, r.key));
          status.show(r.previousKeyValidUntil ? `Rotated ${key.name}; the old key works until ${time(r.previousKeyValidUntil)}.` : `Rotated ${key.name}; the old key no longer works.`);
          return refresh();
        })
        .catch((e: Error) => status.show(e.message, true));
    });
    return form;
  };

  const revoke = (key: ListedKey) => {
    if (!confirm(`Revoke ${key.name}? It stops working at once.`)) return;
    send("DELETE", `${base}/${encodeURIComponent(key.id)}`)
      .then(() => {
        dropShownOnce(key.prefix);
        out.replaceChildren();
        status.show(`Revoked ${key.name}.`);
        return refresh();
      })
      .catch((e: Error) => status.show(e.message, true));
  };

  const keyRow = (key: ListedKey, withScope: boolean): HTMLTableRowElement => {
    const actions = el(
      "div",
      { class: "row-actions" },
      button("Rotate", () => out.replaceChildren(rotateForm(key)), { "aria-label": `Rotate ${key.name}` }),
      button("Revoke", () => revoke(key), { class: "danger", "aria-label": `Revoke ${key.name}` }),
    );
    const name = el("span", {}, key.name, key.previousKeyValidUntil ? el("small", { class: "muted" }, ` (old key until ${time(key.previousKeyValidUntil)})`) : null);
    return row(...(canWrite ? [actions] : []), name, el("code", {}, key.prefix ? `${key.prefix}…` : "—"), ...(withScope ? [key.scope ?? ""] : []), time(key.lastUsedAt), time(key.createdAt));
  };

  function draw(current: ListedKey[]) {
    const withScope = current.some((k) => k.scope);
    const headers = [...(canWrite ? ["actions"] : []), "name", "prefix", ...(withScope ? ["scope"] : []), "last used", "created"];
    list.replaceChildren(table(headers, current.map((k) => keyRow(k, withScope)), "No keys yet."));
  }
  draw(keys);
  return Object.assign(card(title, list, status, out, ...extra), { refresh });
}

/** A create form whose answer (a key or URL shown once) replaces what it showed last. */
export function createForm(fields: HTMLElement[], submit: string, onSubmit: (values: Record<string, string>) => Promise<HTMLElement>): HTMLElement {
  const status = notice();
  const out = el("div", {});
  const form = el("form", { class: "stack" }, ...fields, el("button", {}, submit), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(formValues(form))
      .then((shown) => {
        out.replaceChildren(shown);
        status.show("Created.");
        form.reset();
      })
      .catch((e: Error) => status.show(e.message, true));
  });
  return el("div", {}, form, out);
}
