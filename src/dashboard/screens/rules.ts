// Scoring rules: list, and a form whose change is previewed on the server
// (stage moves and the score distribution before/after) before it is saved.
import { api, me, send } from "../lib/api";
import { bars } from "../lib/chart";
import { button, card, el, field, formValues, input, notice, row, select, table } from "../lib/dom";
import { SCORE_BUCKET_LABELS } from "../lib/leads";

interface Rule {
  id: string;
  event: string;
  points: number;
  cap: number | null;
  conditions: Array<{ property: string; op: string; value?: string | number | boolean }>;
}

const OPS = ["equals", "not_equals", "starts_with", "ends_with", "contains", "gt", "gte", "lt", "lte", "exists"];

/** The form's values as a rule body (one condition at most, from this form). */
function ruleFrom(form: HTMLFormElement) {
  const v = formValues(form);
  const value = v.value === "" ? undefined : Number.isFinite(Number(v.value)) && ["gt", "gte", "lt", "lte"].includes(v.op!) ? Number(v.value) : v.value;
  return {
    event: v.event,
    points: Number(v.points),
    cap: v.cap ? Number(v.cap) : null,
    conditions: v.property ? [{ property: v.property, op: v.op, ...(value === undefined ? {} : { value }) }] : [],
  };
}

export async function render(view: HTMLElement): Promise<void> {
  const [{ rules }, { job }] = await Promise.all([api<{ rules: Rule[] }>("/api/scoring-rules"), api<{ job: { status: string; percentage: number } | null }>("/api/scoring-rules/rescore-status")]);
  let editing: string | undefined;
  const status = notice();
  const preview = el("div", { class: "preview" });
  const heading = el("h3", {}, "New rule");
  const form = el(
    "form",
    { class: "stack" },
    field("Event (canonical name, e.g. page_view)", input("event", { required: true })),
    field("Points", input("points", { type: "number", required: true, value: "10" })),
    field("Cap per lead (optional)", input("cap", { type: "number", min: "1" })),
    field("Condition property (optional, e.g. properties.path)", input("property")),
    field("Condition", select("op", OPS)),
    field("Condition value", input("value")),
    el("div", { class: "actions" }, button("Preview", () => void runPreview()), el("button", { disabled: !me.canWrite }, "Save"), button("Clear", () => reset())),
  );
  const reset = () => {
    editing = undefined;
    heading.textContent = "New rule";
    form.reset();
    preview.replaceChildren();
  };
  async function runPreview() {
    status.show("Previewing on the most recently active leads…");
    try {
      const p = await send<{ sampled: number; stageChanges: number; moves: Record<string, number>; distribution: { before: number[]; after: number[] }; averageScore: { before: number; after: number } }>(
        "POST",
        "/api/scoring-rules/preview",
        { rule: ruleFrom(form), ...(editing ? { id: editing } : {}) },
      );
      status.show("");
      const moves = Object.entries(p.moves).map(([k, n]) => `${k}: ${n}`).join(", ");
      preview.replaceChildren(
        el("p", { class: "preview-summary" }, `${p.stageChanges} of ${p.sampled} sampled leads would change stage${moves ? ` (${moves})` : ""}; average score ${p.averageScore.before} → ${p.averageScore.after}.`),
        bars("score distribution before and after", SCORE_BUCKET_LABELS, [
          { name: "before", values: p.distribution.before },
          { name: "after", values: p.distribution.after },
        ]),
        el("p", { class: "legend" }, el("span", { class: "key series-0" }, "before"), " ", el("span", { class: "key series-1" }, "after")),
      );
    } catch (e) {
      status.show((e as Error).message, true);
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = ruleFrom(form);
    void (editing ? send("PUT", `/api/scoring-rules/${editing}`, body) : send("POST", "/api/scoring-rules", body))
      .then(() => render(view))
      .catch((e: Error) => status.show(e.message, true));
  });
  const edit = (rule: Rule) => {
    editing = rule.id;
    heading.textContent = `Edit rule ${rule.event}`;
    const c = rule.conditions[0];
    const set = (name: string, value: string) => ((form.elements.namedItem(name) as HTMLInputElement).value = value);
    set("event", rule.event);
    set("points", String(rule.points));
    set("cap", rule.cap === null ? "" : String(rule.cap));
    set("property", c?.property ?? "");
    set("op", c?.op ?? "equals");
    set("value", c?.value === undefined ? "" : String(c.value));
    form.querySelector("input")!.focus();
  };
  const describe = (r: Rule) => r.conditions.map((c) => `${c.property} ${c.op} ${c.value ?? ""}`).join(" and ") || "always";
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card(
        "Scoring rules",
        job ? el("p", { class: "muted" }, `Last rescore: ${job.status} (${job.percentage}%)`) : null,
        table(
          ["event", "points", "when", "cap", ""],
          rules.map((r) =>
            row(
              r.event,
              String(r.points),
              describe(r),
              r.cap === null ? "—" : String(r.cap),
              me.canWrite
                ? el(
                    "span",
                    { class: "actions" },
                    button("Edit", () => edit(r), { "aria-label": `Edit rule ${r.event}` }),
                    button("Delete", () => void send("DELETE", `/api/scoring-rules/${r.id}`).then(() => render(view)).catch((e: Error) => status.show(e.message, true)), { "aria-label": `Delete rule ${r.event}` }),
                  )
                : "",
            ),
          ),
          "No rules: the default points table applies.",
        ),
      ),
      card("Rule", heading, form, status, preview),
    ),
  );
}
