// Automations: when a lead reaches a stage, crosses a score or a velocity,
// call a webhook, post to Slack or send to a destination. The form shows the
// fields of the trigger and action types chosen (drawn by lib/schema-form).
import { api, me, send } from "../lib/api";
import { button, card, el, field, input, notice, row, select, table } from "../lib/dom";
import { schemaForm, type ObjectSchema, type SchemaForm } from "../lib/schema-form";
import { STAGES } from "../lib/leads";
import type { ShownAutomation as Automation, ShownDestination } from "../../contracts/delivery-rows";

/** What this screen reads of a destination (GET /api/destinations). */
type DestinationRef = Pick<ShownDestination, "id" | "name">;

/** The fields of each trigger and action type, as the API's automation body takes them. */
const TRIGGERS: Record<string, { label: string; schema: ObjectSchema }> = {
  stage_becomes: {
    label: "the lead's stage becomes",
    schema: { properties: { stage: { type: "string", enum: [...STAGES] }, minVelocity: { type: "number", minimum: 0, maximum: 10 } }, required: ["stage"] },
  },
  score_crosses: { label: "the lead's score crosses", schema: { properties: { score: { type: "number" } }, required: ["score"] } },
  velocity_reaches: { label: "the lead's velocity reaches", schema: { properties: { velocity: { type: "number", minimum: 0, maximum: 10 } }, required: ["velocity"] } },
};

const actions = (destinations: DestinationRef[]): Record<string, { label: string; schema: ObjectSchema }> => ({
  webhook: {
    label: "call a webhook",
    schema: { properties: { url: { type: "string", format: "uri" }, secret: { type: "string", writeOnly: true } }, required: ["url"] },
  },
  slack: { label: "post to Slack", schema: { properties: { webhookUrl: { type: "string", format: "uri", writeOnly: true } }, required: ["webhookUrl"] } },
  destination: { label: "send to a destination", schema: { properties: { destinationId: { type: "string", enum: destinations.map((d) => d.id) } }, required: ["destinationId"] } },
});

/** A type select whose chosen type's fields (named `<prefix>.<field>`) are drawn below it. */
function typedFields(
  prefix: string,
  legend: string,
  types: Record<string, { label: string; schema: ObjectSchema }>,
  current: Record<string, unknown> | undefined,
  decorate: (fields: HTMLElement) => void = () => {},
) {
  const type = select(`${prefix}.type`, Object.keys(types));
  for (const option of type.options) option.textContent = types[option.value]!.label;
  type.value = typeof current?.type === "string" && current.type in types ? current.type : Object.keys(types)[0]!;
  const fields = el("div", {});
  let form: SchemaForm;
  const show = () => {
    form = schemaForm(types[type.value]!.schema, current?.type === type.value ? current : undefined, prefix);
    fields.replaceChildren(form.element);
    decorate(fields);
  };
  type.addEventListener("change", show);
  show();
  return {
    element: el("fieldset", { class: "stack config" }, el("legend", {}, legend), field(`${legend}: type`, type), fields),
    read: () => ({ type: type.value, ...form.read() }),
  };
}

function automationForm(destinations: DestinationRef[], existing: Automation | undefined, onSaved: () => void): HTMLFormElement {
  const name = input("name", { required: true, value: existing?.name ?? "", maxlength: "100" });
  const trigger = typedFields("trigger", "When", TRIGGERS, existing?.trigger);
  // Destinations are chosen by name, sent by id.
  const nameDestinations = (fields: HTMLElement) => {
    for (const option of fields.querySelectorAll<HTMLOptionElement>("select[name='action.destinationId'] option")) {
      option.textContent = destinations.find((d) => d.id === option.value)?.name ?? option.textContent;
    }
  };
  const action = typedFields("action", "Then", actions(destinations), existing?.action, nameDestinations);
  const enabled = input("enabled", { type: "checkbox", checked: existing ? existing.enabled : true });
  const status = notice();
  const form = el(
    "form",
    { class: "stack", "aria-label": existing ? `Edit automation ${existing.name}` : "New automation" },
    field("Name", name),
    trigger.element,
    action.element,
    el("label", { class: "check" }, enabled, " enabled"),
    el("button", { disabled: !me.canWrite }, existing ? "Save automation" : "Create automation"),
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = { name: name.value, trigger: trigger.read(), action: action.read(), enabled: enabled.checked };
    } catch (error) {
      return status.show((error as Error).message, true);
    }
    const saving = existing ? send("PUT", `/api/automations/${existing.id}`, body) : send("POST", "/api/automations", body);
    saving.then(onSaved).catch((e: Error) => status.show(e.message, true));
  });
  return form;
}

function describeTrigger(t: Record<string, unknown>): string {
  if (t.type === "stage_becomes") return `stage becomes ${String(t.stage)}${t.minVelocity !== undefined ? ` (velocity ≥ ${String(t.minVelocity)})` : ""}`;
  if (t.type === "score_crosses") return `score crosses ${String(t.score)}`;
  if (t.type === "velocity_reaches") return `velocity reaches ${String(t.velocity)}`;
  return JSON.stringify(t);
}

function describeAction(a: Record<string, unknown>, destinations: DestinationRef[]): string {
  if (a.type === "webhook") return `webhook ${String(a.url)}`;
  if (a.type === "slack") return "Slack";
  if (a.type === "destination") return `destination ${destinations.find((d) => d.id === a.destinationId)?.name ?? String(a.destinationId)}`;
  return JSON.stringify(a);
}

export async function render(view: HTMLElement): Promise<void> {
  const [{ automations }, { destinations }] = await Promise.all([
    api<{ automations: Automation[] }>("/api/automations"),
    api<{ destinations: DestinationRef[] }>("/api/destinations"),
  ]);
  const editing = el("div", {});
  const rerender = () => void render(view);
  const actionsOf = (a: Automation) =>
    el(
      "div",
      { class: "row-actions" },
      button("Edit", () => editing.replaceChildren(card(`Edit ${a.name}`, automationForm(destinations, a, rerender))), { "aria-label": `Edit automation ${a.name}` }),
      button("Delete", () => confirm(`Delete automation ${a.name}?`) && void send("DELETE", `/api/automations/${a.id}`).then(rerender), { class: "danger", "aria-label": `Delete automation ${a.name}` }),
    );
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card(
        "Automations",
        table(
          [...(me.canWrite ? ["actions"] : []), "name", "when", "then", "enabled"],
          automations.map((a) => row(...(me.canWrite ? [actionsOf(a)] : []), a.name, describeTrigger(a.trigger), describeAction(a.action, destinations), a.enabled ? "yes" : "no")),
          "No automations yet.",
        ),
        el("p", { class: "muted" }, "An automation runs at most once a day per lead."),
      ),
      me.canWrite ? card("New automation", automationForm(destinations, undefined, rerender)) : null,
    ),
    editing,
  );
}
