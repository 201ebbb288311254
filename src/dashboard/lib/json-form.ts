// A labelled JSON textarea with a submit button, for the bodies that are
// nested objects (ICP table, destination config, automations).
import { el, field, notice } from "./dom";
import { me } from "./api";

export function jsonForm(label: string, initial: unknown, submitText: string, onSubmit: (value: any) => Promise<unknown>): HTMLFormElement {
  const area = el("textarea", { name: "json", rows: "10", spellcheck: "false", class: "code" });
  area.value = JSON.stringify(initial, null, 2);
  const status = notice();
  const form = el("form", { class: "stack" }, field(label, area), el("button", { disabled: !me.canWrite }, submitText), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let value: unknown;
    try {
      value = JSON.parse(area.value);
    } catch {
      return status.show("That is not valid JSON.", true);
    }
    onSubmit(value)
      .then(() => status.show("Saved."))
      .catch((e: Error) => status.show(e.message, true));
  });
  return form;
}
