// Automations: when a lead reaches a stage, crosses a score or a velocity,
// call a webhook, post to Slack or send to a destination.
import { api, me, send } from "../lib/api";
import { button, card, el, row, table } from "../lib/dom";
import { jsonForm } from "../lib/json-form";

interface Automation {
  id: string;
  name: string;
  enabled: boolean;
  trigger: Record<string, unknown>;
  action: Record<string, unknown>;
}

const EXAMPLE = { name: "Hot leads to Slack", trigger: { type: "stage_becomes", stage: "hot" }, action: { type: "slack", webhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX" }, enabled: true };

const describe = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => (k === "type" ? String(v) : `${k}: ${String(v)}`)).join(", ");

export async function render(view: HTMLElement): Promise<void> {
  const { automations } = await api<{ automations: Automation[] }>("/api/automations");
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card(
        "Automations",
        table(
          ["name", "when", "then", "enabled", ""],
          automations.map((a) =>
            row(a.name, describe(a.trigger), describe(a.action), a.enabled ? "yes" : "no", me.canWrite ? button("Delete", () => void send("DELETE", `/api/automations/${a.id}`).then(() => render(view)), { "aria-label": `Delete automation ${a.name}` }) : ""),
          ),
          "No automations yet.",
        ),
      ),
      me.canWrite ? card("New automation", jsonForm("Automation (JSON: name, trigger, action, enabled)", EXAMPLE, "Create automation", (value) => send("POST", "/api/automations", value).then(() => render(view)))) : null,
    ),
  );
}
