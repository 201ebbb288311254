// Destinations: create and edit with fields drawn from the type's JSON Schema
// in the catalogue (secrets are never shown back), send a test,
// the delivery log, dead letters and their replay.
import { api, me, send } from "../lib/api";
import { button, card, el, field, input, notice, row, select, table, time } from "../lib/dom";
import { schemaForm, type ObjectSchema, type SchemaForm } from "../lib/schema-form";
import { describeLimit } from "../lib/limits";
import type { ShownDestination as Destination, TestSendAnswer } from "../../contracts/delivery-rows";
import type { CatalogueEntry as ServedEntry } from "../../contracts/destination-catalogue";
import type { DeliveryLogRow as LogRow } from "../../contracts/shard-rows";

/** A catalogue entry as the API sends it, its config's JSON Schema read as the form reads one. */
type CatalogueEntry = Omit<ServedEntry, "configSchema"> & { configSchema: ObjectSchema };

let catalogue: Promise<CatalogueEntry[]> | undefined;
/** The destination types, asked for once per page load (they change only with a deploy). */
function destinationTypes(): Promise<CatalogueEntry[]> {
  catalogue ??= api<{ types: CatalogueEntry[] }>("/api/destinations/catalogue").then((r) => r.types);
  catalogue.catch(() => (catalogue = undefined));
  return catalogue;
}

/** What the outside API allows, and where it is documented. */
function typeFacts(entry: CatalogueEntry): HTMLElement {
  const limits = [
    entry.rate ? `at most ${describeLimit(entry.rate)}` : null,
    entry.batch?.maxItems ? `up to ${entry.batch.maxItems} items a call` : null,
    entry.batch?.maxBytes ? `${Math.round(entry.batch.maxBytes / 1024)} KB a call` : null,
  ].filter(Boolean);
  const docs = entry.docsUrl.startsWith("https://")
    ? el("a", { href: entry.docsUrl, target: "_blank", rel: "noopener noreferrer" }, `${entry.title} API docs`)
    : el("span", {}, "Docs: ", el("code", {}, entry.docsUrl));
  return el("p", { class: "muted type-facts" }, docs, limits.length > 0 ? ` · ${limits.join(", ")}` : "");
}

/** Which events go, and what of them: the API's `filters`, as fields. */
const FILTERS: ObjectSchema = {
  properties: {
    allow: { type: "array", items: { type: "string" }, title: "send only these events (names)" },
    deny: { type: "array", items: { type: "string" }, title: "never send these events (names)" },
    mapping: { type: "object", additionalProperties: { type: "string" }, title: "rename fields (from.path: to.path, e.g. properties.plan: properties.plan_name)" },
    mask: { type: "array", items: { type: "string" }, title: "mask these fields (dot paths, e.g. lead.email)" },
  },
};

/** Create (type chosen here) or edit (type kept) a destination; config fields come from the type's JSON Schema. */
function destinationForm(types: CatalogueEntry[], existing: Destination | undefined, onSaved: (d: Destination) => void): HTMLFormElement {
  // The filters are a plain JSON object; their interface has no index signature for the form to read by name.
  const filters = schemaForm(FILTERS, (existing?.filters ?? {}) as Record<string, unknown>, "filters");
  const status = notice();
  const type = select("type", types.map((t) => t.type), { disabled: existing !== undefined });
  for (const option of type.options) option.textContent = types.find((t) => t.type === option.value)!.title;
  type.value = existing?.type ?? types[0]!.type;
  const configFields = el("fieldset", { class: "stack config" });
  let config: SchemaForm;
  const showType = () => {
    const entry = types.find((t) => t.type === type.value)!;
    config = schemaForm(entry.configSchema, existing?.type === entry.type ? existing.config : undefined);
    configFields.replaceChildren(el("legend", {}, `${entry.title} settings`), typeFacts(entry), config.element);
  };
  type.addEventListener("change", showType);
  showType();
  const enabled = input("enabled", { type: "checkbox", checked: existing ? existing.enabled : true });
  const form = el(
    "form",
    { class: "stack" },
    field("Name", input("name", { required: true, value: existing?.name ?? "" })),
    field("Type", type),
    configFields,
    el("fieldset", { class: "stack config" }, el("legend", {}, "Filters"), filters.element),
    el("label", { class: "check" }, enabled, " enabled"),
    el("button", { disabled: !me.canWrite }, existing ? "Save destination" : "Create destination"),
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = { name: (form.elements.namedItem("name") as HTMLInputElement).value, type: type.value, enabled: enabled.checked, config: config.read(), filters: filters.read() };
    } catch (error) {
      return status.show((error as Error).message, true);
    }
    const saving = existing ? send<{ destination: Destination }>("PUT", `/api/destinations/${existing.id}`, body) : send<{ destination: Destination }>("POST", "/api/destinations", body);
    saving.then((r) => onSaved(r.destination)).catch((e: Error) => status.show(e.message, true));
  });
  return form;
}

export async function render(view: HTMLElement, [id]: string[]): Promise<void> {
  if (id) return renderOne(view, id);
  const [{ destinations }, types] = await Promise.all([api<{ destinations: Destination[] }>("/api/destinations"), destinationTypes()]);
  const title = (type: string) => types.find((t) => t.type === type)?.title ?? type;
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card(
        "Destinations",
        table(
          ["name", "type", "enabled"],
          destinations.map((d) => row(el("a", { href: `#/destinations/${d.id}` }, d.name), title(d.type), d.enabled ? "yes" : "no")),
          "No destinations yet.",
        ),
      ),
      me.canWrite ? card("New destination", destinationForm(types, undefined, (d) => (location.hash = `#/destinations/${d.id}`))) : null,
    ),
  );
}

/** What the destination answered, in words: the HTTP status and its message, or why no answer came. */
export function answerOf(d: Pick<LogRow, "status" | "lastStatus" | "lastError">): string {
  if (d.status === "delivered") return d.lastStatus ? `HTTP ${d.lastStatus}` : "accepted";
  if (d.status === "pending") return "waiting to be sent";
  // The error repeats the status ("HTTP 410: gone", "answered HTTP 410"): said once.
  const error = (d.lastError ?? "").replace(/^(answered )?HTTP \d+:?\s*/, "");
  return [d.lastStatus ? `HTTP ${d.lastStatus}` : null, error || null].filter(Boolean).join(": ") || "no answer recorded";
}

/** One log row, named by its lead and event (the message id on hover and focus). */
function logRow(d: LogRow): HTMLTableRowElement {
  const test = d.kind === "test";
  const lead = test ? el("span", {}, "test send") : el("a", { href: `#/lead/${d.leadId}` }, d.lead ?? `${d.leadId.slice(0, 10)}…`);
  const what = el("span", { title: `message ${d.messageId}`, tabindex: "0" }, d.kind === "change" ? "lead changed" : (d.event ?? "event"));
  const status = test ? (d.status === "delivered" ? "test delivered" : "test failed") : d.status;
  return row(time(d.updatedAt), lead, what, el("span", { class: `delivery ${d.status}` }, status), String(d.attempts), el("span", { class: "long" }, answerOf(d)));
}

const LOG_HEADERS = ["when", "lead", "event", "status", "attempts", "answer"];

async function renderOne(view: HTMLElement, id: string): Promise<void> {
  const [{ destination, deliveries }, log, dead, types] = await Promise.all([
    api<{ destination: Destination; deliveries: Record<string, number> }>(`/api/destinations/${id}`),
    api<{ deliveries: LogRow[] }>(`/api/destinations/${id}/deliveries?limit=50`),
    api<{ deliveries: LogRow[] }>(`/api/destinations/${id}/deliveries?status=dead&limit=50`),
    destinationTypes(),
  ]);
  const status = notice();
  const title = types.find((t) => t.type === destination.type)?.title ?? destination.type;
  const summary = el("p", {});
  const summarise = (counts: Record<string, number>) =>
    (summary.textContent = `${title} · ${destination.enabled ? "enabled" : "disabled"} · delivered ${counts.delivered ?? 0} · retrying ${counts.retrying ?? 0} · dead ${counts.dead ?? 0}`);
  summarise(deliveries);
  const logBox = el("div", {}, table(LOG_HEADERS, log.deliveries.map(logRow), "Nothing delivered yet."));
  /** The log and the counts, asked for again. */
  const refreshLog = async () => {
    const fresh = await api<{ counts: Record<string, number>; deliveries: LogRow[] }>(`/api/destinations/${id}/deliveries?limit=50`);
    logBox.replaceChildren(table(LOG_HEADERS, fresh.deliveries.map(logRow), "Nothing delivered yet."));
    summarise(fresh.counts);
  };
  const test = async () => {
    status.show("Sending a test…");
    const r = await send<TestSendAnswer>("POST", `/api/destinations/${id}/test`);
    status.show(r.ok ? `Test delivered (HTTP ${r.status ?? "ok"}); it is in the delivery log.` : `Test failed: ${answerOf({ status: "failed", lastStatus: r.status, lastError: r.error })}`, !r.ok);
    await refreshLog();
  };
  const replay = async () => {
    const r = await send<{ replaying: number }>("POST", `/api/destinations/${id}/replay`);
    status.show(`Replaying ${r.replaying} dead letters.`);
  };
  const remove = () => {
    if (!confirm(`Delete destination ${destination.name}? Its delivery log and dead letters go with it, and automations sending to it stop.`)) return;
    send("DELETE", `/api/destinations/${id}`)
      .then(() => (location.hash = "#/destinations"))
      .catch((e: Error) => status.show(e.message, true));
  };
  const logCard = card("Delivery log", el("div", { class: "actions" }, button("Refresh", () => void refreshLog().catch((e: Error) => status.show(e.message, true)))), logBox);
  const deadCard = card("Dead letters", table(LOG_HEADERS, dead.deliveries.map(logRow), "No dead letters."), el("p", { class: "muted" }, "Items the destination refused for good, or after every retry; Replay sends them again."));
  view.replaceChildren(
    el("p", {}, el("a", { href: "#/destinations" }, "← Destinations")),
    el(
      "div",
      { class: "grid top" },
      card(
        `Destination ${destination.name}`,
        summary,
        me.canWrite
          ? el(
              "div",
              { class: "actions" },
              button("Send test", () => void test().catch((e: Error) => status.show(e.message, true))),
              button("Replay dead letters", () => void replay().catch((e: Error) => status.show(e.message, true))),
              button("Delete…", remove, { class: "danger" }),
            )
          : null,
        status,
      ),
      me.canWrite ? card("Edit", destinationForm(types, destination, () => void renderOne(view, id))) : null,
    ),
    el("div", { class: "stack wide" }, logCard, deadCard),
  );
}
