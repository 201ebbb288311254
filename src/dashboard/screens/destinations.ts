// Destinations: create and edit (secrets are never shown back), send a test,
// the delivery log, dead letters and their replay.
import { api, me, send } from "../lib/api";
import { button, card, el, field, input, notice, row, select, table, time } from "../lib/dom";

interface Destination {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
  config: Record<string, unknown>;
  filters: Record<string, unknown>;
}

const TYPES = ["webhook", "slack", "mixpanel", "attio", "hubspot", "segment"];

function destinationForm(existing: Destination | undefined, onSaved: (d: Destination) => void): HTMLFormElement {
  const config = el("textarea", { name: "config", rows: "6", spellcheck: "false", class: "code" });
  config.value = JSON.stringify(existing?.config ?? { url: "https://example.com/hook" }, null, 2);
  const filters = el("textarea", { name: "filters", rows: "3", spellcheck: "false", class: "code" });
  filters.value = JSON.stringify(existing?.filters ?? {}, null, 2);
  const status = notice();
  const type = select("type", TYPES);
  if (existing) type.value = existing.type;
  const enabled = input("enabled", { type: "checkbox", checked: existing ? existing.enabled : true });
  const form = el(
    "form",
    { class: "stack" },
    field("Name", input("name", { required: true, value: existing?.name ?? "" })),
    field("Type", type),
    field("Config (JSON; secrets are shown redacted)", config),
    field("Filters (JSON: allow, deny, mapping, mask)", filters),
    el("label", { class: "check" }, enabled, " enabled"),
    el("button", { disabled: !me.canWrite }, existing ? "Save destination" : "Create destination"),
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = { name: (form.elements.namedItem("name") as HTMLInputElement).value, type: type.value, enabled: enabled.checked, config: JSON.parse(config.value), filters: JSON.parse(filters.value) };
    } catch {
      return status.show("Config and filters must be JSON.", true);
    }
    const saving = existing ? send<{ destination: Destination }>("PUT", `/api/destinations/${existing.id}`, body) : send<{ destination: Destination }>("POST", "/api/destinations", body);
    saving.then((r) => onSaved(r.destination)).catch((e: Error) => status.show(e.message, true));
  });
  return form;
}

export async function render(view: HTMLElement, [id]: string[]): Promise<void> {
  if (id) return renderOne(view, id);
  const { destinations } = await api<{ destinations: Destination[] }>("/api/destinations");
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card(
        "Destinations",
        table(
          ["name", "type", "enabled"],
          destinations.map((d) => row(el("a", { href: `#/destinations/${d.id}` }, d.name), d.type, d.enabled ? "yes" : "no")),
          "No destinations yet.",
        ),
      ),
      me.canWrite ? card("New destination", destinationForm(undefined, (d) => (location.hash = `#/destinations/${d.id}`))) : null,
    ),
  );
}

async function renderOne(view: HTMLElement, id: string): Promise<void> {
  const [{ destination, deliveries }, log, dead] = await Promise.all([
    api<{ destination: Destination; deliveries: Record<string, number> }>(`/api/destinations/${id}`),
    api<{ deliveries: Array<{ messageId: string; status: string; attempts: number; lastError: string | null; updatedAt: string }> }>(`/api/destinations/${id}/deliveries?limit=50`),
    api<{ deliveries: Array<{ messageId: string; attempts: number; lastError: string | null; updatedAt: string }> }>(`/api/destinations/${id}/deliveries?status=dead&limit=50`),
  ]);
  const status = notice();
  const test = async () => {
    status.show("Sending a test…");
    const r = await send<{ ok: boolean; status: number | null; attempts: number; error: string | null }>("POST", `/api/destinations/${id}/test`);
    status.show(r.ok ? `Test delivered (HTTP ${r.status ?? "ok"}).` : `Test failed: ${r.error ?? r.status}`, !r.ok);
  };
  const replay = async () => {
    const r = await send<{ replaying: number }>("POST", `/api/destinations/${id}/replay`);
    status.show(`Replaying ${r.replaying} dead letters.`);
  };
  const logRows = (rows: typeof log.deliveries) => rows.map((d) => row(time(d.updatedAt), d.messageId, "status" in d ? String(d.status) : "dead", String(d.attempts), d.lastError ?? ""));
  view.replaceChildren(
    el("p", {}, el("a", { href: "#/destinations" }, "← Destinations")),
    el(
      "div",
      { class: "grid" },
      card(
        `Destination ${destination.name}`,
        el("p", {}, `${destination.type} · ${destination.enabled ? "enabled" : "disabled"} · delivered ${deliveries.delivered ?? 0} · retrying ${deliveries.retrying ?? 0} · dead ${deliveries.dead ?? 0}`),
        me.canWrite
          ? el(
              "div",
              { class: "actions" },
              button("Send test", () => void test().catch((e: Error) => status.show(e.message, true))),
              button("Replay dead letters", () => void replay().catch((e: Error) => status.show(e.message, true))),
              button("Delete", () => confirm(`Delete destination ${destination.name}?`) && void send("DELETE", `/api/destinations/${id}`).then(() => (location.hash = "#/destinations")), { class: "danger" }),
            )
          : null,
        status,
      ),
      me.canWrite ? card("Edit", destinationForm(destination, () => void renderOne(view, id))) : null,
      card("Delivery log", table(["updated", "message", "status", "attempts", "last error"], logRows(log.deliveries), "Nothing delivered yet.")),
      card("Dead letters", table(["updated", "message", "status", "attempts", "last error"], logRows(dead.deliveries.map((d) => ({ ...d, status: "dead" }))), "No dead letters.")),
    ),
  );
}
