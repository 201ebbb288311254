// Namespace settings (admin token only): how long events are kept, and each
// key's rate limit (its own, or the deployment's default for its kind).
import { api, send, session } from "../lib/api";
import { button, card, el, field, input, notice, row, select, table } from "../lib/dom";
import { describeLimit, PERIODS, type RateLimit } from "../lib/limits";
import type { LimitedKeyListing } from "../../contracts/key-listing";

/** What this screen reads of each listed key: write keys and API keys (LimitedKeyListing) and webhook sources alike. */
type LimitedKey = Pick<LimitedKeyListing, "id" | "name" | "prefix" | "rateLimit">;

const KINDS = [
  { path: "sources", list: "sources", label: "write key" },
  { path: "api-keys", list: "apiKeys", label: "API key" },
  { path: "webhook-sources", list: "sources", label: "webhook source" },
] as const;

export async function render(view: HTMLElement): Promise<void> {
  const base = `/api/namespaces/${encodeURIComponent(session.namespace)}`;
  const [settings, ...lists] = await Promise.all([
    api<{ retentionDays: number | null }>(`${base}/settings`),
    ...KINDS.map((k) => api<Record<string, unknown> & { defaultRateLimit: RateLimit }>(`${base}/${k.path}`)),
  ]);

  const retentionStatus = notice();
  const days = input("retentionDays", { type: "number", min: "1", max: "3650", step: "1", value: settings.retentionDays === null ? "" : String(settings.retentionDays) });
  const retention = el(
    "form",
    { class: "stack", "aria-label": "Event retention" },
    el("p", {}, settings.retentionDays === null ? "Events are kept for as long as their lead lives." : `Events older than ${settings.retentionDays} days are pruned; each lead keeps their points as a baseline.`),
    field("Keep events for (days; empty: as long as the lead lives)", days),
    el("button", {}, "Save retention"),
    retentionStatus,
  );
  retention.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = days.value.trim() === "" ? null : Number(days.value);
    send<{ retentionDays: number | null }>("PATCH", `${base}/settings`, { retentionDays: value })
      .then((r) => retentionStatus.show(r.retentionDays === null ? "Saved: events are kept for as long as their lead lives." : `Saved: events are kept ${r.retentionDays} days (leads are being rescored).`))
      .catch((e: Error) => retentionStatus.show(e.message, true));
  });

  const limitStatus = notice();
  const editing = el("div", {});
  const rows = KINDS.flatMap((kind, i) => {
    const answer = lists[i]!;
    const keys = (answer[kind.list] as LimitedKey[]) ?? [];
    return keys.map((key) => {
      const name = `${kind.label} ${key.name}`;
      return row(
        el("div", { class: "row-actions" }, button("Change", () => edit(kind.path, name, key, answer.defaultRateLimit), { "aria-label": `Change the rate limit of ${name}` })),
        kind.label,
        key.name,
        key.rateLimit ? describeLimit(key.rateLimit) : `${describeLimit(answer.defaultRateLimit)} (default)`,
      );
    });
  });

  function edit(path: string, name: string, key: LimitedKey, fallback: RateLimit) {
    const current = key.rateLimit ?? fallback;
    const limit = input("limit", { type: "number", min: "1", max: "1000000", step: "1", required: true, value: String(current.limit) });
    const period = select("period", Object.keys(PERIODS));
    period.value = Object.entries(PERIODS).find(([, s]) => s === current.periodSeconds)?.[0] ?? "hour";
    const save = (rateLimit: RateLimit | null) =>
      send("PATCH", `${base}/${path}/${encodeURIComponent(key.id)}`, { rateLimit })
        .then(() => render(view))
        .catch((e: Error) => limitStatus.show(e.message, true));
    const form = el(
      "form",
      { class: "actions", "aria-label": `Rate limit of ${name}` },
      field(`Calls allowed to ${name}`, limit),
      field("per", period),
      el("button", {}, "Save limit"),
      button("Use the default", () => void save(null)),
      button("Cancel", () => editing.replaceChildren()),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void save({ limit: Number(limit.value), periodSeconds: PERIODS[period.value]! });
    });
    editing.replaceChildren(form);
    limit.focus();
  }

  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card("Event retention", retention),
      card(
        "Rate limits",
        el("p", { class: "muted" }, `Each key of ${session.namespace} may make this many calls; past it the API answers 429 with Retry-After.`),
        table(["actions", "kind", "name", "limit"], rows, "No keys yet."),
        editing,
        limitStatus,
      ),
    ),
  );
}
