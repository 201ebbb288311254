// Scoring rules: the namespace's rules, the default points table they sit on,
// the event names recent leads hold (those scoring 0 one click from a rule),
// and a form whose change is previewed on the server (stage moves and the
// score distribution before/after) before it is saved. A read key previews
// (that saves nothing) but has no Save, Edit or Delete.
import { api, me, send } from "../lib/api";
import { bars } from "../lib/chart";
import { button, card, el, field, formValues, input, notice, row, select, table } from "../lib/dom";
import { SCORE_BUCKET_LABELS, SCORE_MEANING } from "../lib/leads";
import type { ScoringRule as Rule } from "../../scoring/rules";
import type { PreviewAnswer, SeenEvent, SeenEventsAnswer } from "../../contracts/scoring-preview";
import type { ShownRescoreJob } from "../../contracts/rescore-job";

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

const SCORED_BY: Record<SeenEvent["scoredBy"], string> = { rule: "your rule", default: "default table", nothing: "nothing (0 points)" };

export async function render(view: HTMLElement): Promise<void> {
  const [{ rules }, { job }, seen] = await Promise.all([
    api<{ rules: Rule[] }>("/api/scoring-rules"),
    api<{ job: ShownRescoreJob | null }>("/api/scoring-rules/rescore-status"),
    api<SeenEventsAnswer>("/api/scoring-rules/events"),
  ]);
  let editing: string | undefined;
  const status = notice();
  const preview = el("div", { class: "preview" });
  const newHeading = me.canWrite ? "New rule" : "Try a rule (preview only: this key has the read scope)";
  const heading = el("h3", {}, newHeading);
  // The picker: every event name seen on recent leads, and the default table's names.
  const names = [...new Set([...seen.events.map((e) => e.name), ...Object.keys(seen.defaults)])];
  const picker = el("datalist", { id: "event-names" }, ...names.map((n) => el("option", { value: n })));
  const form = el(
    "form",
    { class: "stack", "aria-label": "Rule" },
    field("Event (canonical name: pick a seen one or type, e.g. page_view)", input("event", { required: true, list: "event-names", autocomplete: "off" })),
    picker,
    field("Points", input("points", { type: "number", required: true, value: "10" })),
    field("Cap per lead (optional)", input("cap", { type: "number", min: "1" })),
    field("Condition property (optional, e.g. properties.path)", input("property")),
    field("Condition", select("op", OPS)),
    field("Condition value", input("value")),
    el("div", { class: "actions" }, button("Preview", () => void runPreview()), me.canWrite ? el("button", {}, "Save") : null, button("Clear", () => reset())),
  );
  const reset = () => {
    editing = undefined;
    heading.textContent = newHeading;
    form.reset();
    preview.replaceChildren();
  };
  async function runPreview() {
    if (!form.reportValidity()) return;
    status.show("Previewing on the most recently active leads…");
    try {
      const p = await send<PreviewAnswer>(
        "POST",
        "/api/scoring-rules/preview",
        { rule: ruleFrom(form), ...(editing ? { id: editing } : {}) },
      );
      status.show("");
      const moves = Object.entries(p.moves).map(([k, n]) => `${k}: ${n}`).join(", ");
      preview.replaceChildren(
        el("p", { class: "preview-summary" }, `${p.stageChanges} of ${p.sampled} sampled leads would change stage${moves ? ` (${moves})` : ""}; average score (engagement + fit) ${p.averageScore.before} → ${p.averageScore.after}.`),
        bars("score distribution before and after", SCORE_BUCKET_LABELS, [
          { name: "before", values: p.distribution.before },
          { name: "after", values: p.distribution.after },
        ], { x: "score band (points)", y: "leads" }),
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
  const set = (name: string, value: string) => ((form.elements.namedItem(name) as HTMLInputElement).value = value);
  const edit = (rule: Rule) => {
    editing = rule.id;
    heading.textContent = me.canWrite ? `Edit rule ${rule.event}` : `Try a change to rule ${rule.event} (preview only)`;
    const c = rule.conditions[0];
    set("event", rule.event);
    set("points", String(rule.points));
    set("cap", rule.cap === null ? "" : String(rule.cap));
    set("property", c?.property ?? "");
    set("op", c?.op ?? "equals");
    set("value", c?.value === undefined ? "" : String(c.value));
    form.querySelector("input")!.focus();
  };
  /** A new rule for an event name (from the seen list): the name filled in, points next. */
  const startRule = (name: string) => {
    reset();
    set("event", name);
    (form.elements.namedItem("points") as HTMLInputElement).focus();
  };
  const remove = (rule: Rule) => {
    if (!confirm(`Delete the rule for ${rule.event} (${rule.points} points, ${describe(rule)})? Every lead is rescored without it.`)) return;
    send("DELETE", `/api/scoring-rules/${rule.id}`)
      .then(() => render(view))
      .catch((e: Error) => status.show(e.message, true));
  };
  const describe = (r: Rule) => r.conditions.map((c) => `${c.property} ${c.op} ${c.value ?? ""}`.trim()).join(" and ") || "always";
  const ruleActions = (r: Rule) =>
    el(
      "div",
      { class: "row-actions" },
      button(me.canWrite ? "Edit" : "Try a change", () => edit(r), { "aria-label": `${me.canWrite ? "Edit" : "Try a change to"} rule ${r.event}` }),
      me.canWrite ? button("Delete", () => remove(r), { class: "danger", "aria-label": `Delete rule ${r.event}` }) : null,
    );
  // The default table, as it stands under the rules: a name with an unconditional rule of its own is overridden.
  const overridden = new Set(rules.filter((r) => r.conditions.length === 0).map((r) => r.event));
  const defaults = Object.entries(seen.defaults).map(([name, points]) =>
    row(name, String(points), overridden.has(name) ? "overridden by your rule" : rules.some((r) => r.event === name) ? "when none of your rules for it matches" : "applies"),
  );
  const seenRows = seen.events.map((e) =>
    row(
      e.scoredBy === "nothing" ? button(me.canWrite ? "Add a rule" : "Try a rule", () => startRule(e.name), { "aria-label": `${me.canWrite ? "Add a rule" : "Try a rule"} for ${e.name}` }) : "",
      e.name,
      String(e.events),
      String(e.leads),
      String(e.points),
      SCORED_BY[e.scoredBy],
    ),
  );
  const unscored = seen.events.filter((e) => e.scoredBy === "nothing").length;

  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card(
        "Scoring rules",
        job ? el("p", { class: "muted" }, `Last rescore: ${job.status} (${job.percentage}%)`) : null,
        table(["actions", "event", "points", "when", "cap"], rules.map((r) => row(ruleActions(r), r.event, String(r.points), describe(r), r.cap === null ? "—" : String(r.cap))), "No rules of your own: the default points table applies."),
        el("p", { class: "muted" }, "An event scores by the first of your rules for its name whose conditions hold (more conditions first); with none, by the default table; else 0."),
      ),
      card("Rule", heading, form, status, preview),
      card(
        "Events seen on recent leads",
        el("p", { class: "muted" }, `On the ${seen.sampled} most recently active leads. ${unscored > 0 ? `${unscored} event ${unscored === 1 ? "name scores" : "names score"} nothing: add a rule to count ${unscored === 1 ? "it" : "them"}.` : "Every event name seen scores."}`),
        table(["add", "event", "events", "leads", "points scored", "scored by"], seenRows, "No events on recent leads yet."),
      ),
      card("Default points table", table(["event", "points", "status"], defaults), el("h3", {}, "Engagement and fit"), el("p", { class: "muted" }, SCORE_MEANING)),
    ),
  );
}
