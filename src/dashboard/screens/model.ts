// The predictive score (docs/predictive-score.md): what "converted" means,
// and the evidence for the namespace's model — its holdout figures next to
// the rules', calibration, training size and date, weights — from GET /api/model.
import { api, me, send } from "../lib/api";
import { button, card, el, field, input, notice, row, table, time } from "../lib/dom";
import { percent, signedFixed, STAGES } from "../lib/leads";
import type { ModelAnswer, ShownRun } from "../../contracts/model-answer";
import type { OutcomeDefinition } from "../../predict/history";

const fixed = (n: number, places = 3) => n.toFixed(places);

export async function render(view: HTMLElement): Promise<void> {
  const answer = await api<ModelAnswer>("/api/model");
  view.replaceChildren(el("div", { class: "grid" }, statusCard(answer), ...evidenceCards(answer), outcomesCard(answer)));
}

function statusCard(a: ModelAnswer): HTMLElement {
  const status = notice();
  const train = me.canWrite
    ? button("Train now", () => {
        send<{ run: ShownRun }>("POST", "/api/model/train")
          .then(() => status.show("Training started: it runs on the jobs queue; reload this screen in a minute."))
          .catch((e: Error) => status.show(e.message, true));
      })
    : null;
  const run = a.run
    ? el("p", { class: "muted" }, `Last run: ${a.run.status} (${a.run.trigger}), started ${time(a.run.startedAt)}; ${a.run.leads} leads, ${a.run.examples} examples${a.run.error ? `; ${a.run.error}` : ""}.`)
    : el("p", { class: "muted" }, "No training run yet: the daily cron trains once outcomes are declared.");
  return card(
    "Model",
    el("p", { class: a.used ? "notice" : "notice error", "aria-label": "model in use" }, a.used ? "In use: leads carry its conversion probability." : "Not in use: leads carry no conversion probability."),
    el("p", {}, a.reason),
    el(
      "p",
      { class: "muted" },
      `Question: will a lead convert within ${a.horizonDays} days? A model is trained with at least ${a.thresholds.minPositives} conversions (${a.thresholds.minHoldoutPositives} in the holdout) and used only with a holdout AUC of at least ${a.thresholds.minUsefulAuc} that beats the rules'.`,
    ),
    run,
    el("div", { class: "actions" }, train),
    status,
  );
}

function evidenceCards(a: ModelAnswer): HTMLElement[] {
  const m = a.model;
  if (!m) return [];
  if (!m.holdout || !m.training || !m.weights) {
    const counts = Object.entries(m.counts ?? {}).map(([k, v]) => row(k, String(v)));
    return [card("Too few conversions", el("p", { class: "muted" }, `Run of ${time(m.trainedAt)} found:`), table(["count", "value"], counts))];
  }
  const { model, rules } = m.holdout;
  const evidence = table(
    ["on the holdout", "model", "rules"],
    [
      row("AUC (ranking)", fixed(model.auc), fixed(rules.auc)),
      row("precision among the top 10%", percent(model.precisionAtTop10), percent(rules.precisionAtTop10)),
      row("Brier score (lower is better)", fixed(model.brier, 4), "—"),
      row("calibration error", fixed(model.calibrationError, 4), "—"),
    ],
  );
  const reliability = table(
    ["predicted", "leads", "mean predicted", "observed"],
    model.reliability.map((b) => row(`${percent(b.from)}–${percent(b.to)}`, String(b.count), percent(b.meanPredicted), percent(b.observedRate))),
  );
  const weights = table(
    ["feature", "weight (per standard deviation)"],
    m.weights.map((w) => row(w.feature, signedFixed(w.weight))),
  );
  return [
    card(
      "Evidence on the holdout",
      el("p", { class: "muted" }, `Trained ${time(m.trainedAt)} on ${m.training.examples} examples (${m.training.positives} converted); judged on ${model.examples} newer ones (${model.positives} converted) it never saw.`),
      evidence,
    ),
    card("Calibration (reliability)", el("p", { class: "muted" }, "Per band of predicted probability: how often those leads did convert."), reliability),
    card("Weights", el("p", { class: "muted" }, "Largest effect first; positive pushes toward converting."), weights),
  ];
}

function outcomesCard(a: ModelAnswer): HTMLElement {
  const status = notice();
  const events = input("events", { value: a.outcomes?.events.join(", ") ?? "", placeholder: "Closed Won, Subscription Started", disabled: !me.canWrite });
  const stages = STAGES.map((s) =>
    el("label", { class: "check" }, el("input", { type: "checkbox", name: "stages", value: s, checked: a.outcomes?.stages.includes(s) ?? false, disabled: !me.canWrite }), ` ${s}`),
  );
  const form = el(
    "form",
    { class: "stack", "aria-label": "Outcomes" },
    el("p", { class: "muted" }, "What counts as converted: event names and/or stages reached. Outcomes already in the history count."),
    field("Outcome events (comma-separated)", events),
    el("fieldset", { class: "stack config" }, el("legend", {}, "Stages reached"), ...stages),
    me.canWrite ? el("button", {}, "Save outcomes") : null,
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = {
      events: events.value
        .split(",")
        .map((e) => e.trim())
        .filter(Boolean),
      stages: [...form.querySelectorAll<HTMLInputElement>("input[name=stages]:checked")].map((i) => i.value),
    };
    send<{ outcomes: OutcomeDefinition }>("PUT", "/api/model/outcomes", body)
      .then((r) => {
        events.value = r.outcomes.events.join(", ");
        status.show("Saved: the next training run uses them.");
      })
      .catch((e: Error) => status.show(e.message, true));
  });
  return card("Outcomes", form);
}
