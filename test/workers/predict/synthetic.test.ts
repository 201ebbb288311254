import { beforeAll, describe, expect, it } from "vitest";
import { examplesOf, snapshotPlan } from "../../../src/predict/examples";
import { trainModel, type ModelReport, type TrainingOutcome } from "../../../src/predict/train";
import type { Evaluation } from "../../../src/predict/evaluate";
import { SYNTHETIC_OUTCOME, syntheticHistories } from "./generator";

// A fixed clock: the generator's histories, and so these figures, do not depend on today's date.
const NOW = Date.UTC(2026, 0, 1);

async function trainOn(signal: boolean): Promise<Extract<TrainingOutcome, { status: "trained" }>> {
  const plan = snapshotPlan(NOW);
  const examples = syntheticHistories({ now: NOW, signal }).flatMap((h) => examplesOf(h, SYNTHETIC_OUTCOME, plan));
  const outcome = await trainModel(examples, SYNTHETIC_OUTCOME.events, NOW);
  if (outcome.status !== "trained") throw new Error(outcome.reason);
  return outcome;
}

describe("the generator's planted truth (pricing visits this week and company size; the rules reward downloads)", () => {
  let report: ModelReport;
  let model: Evaluation;
  let rules: ModelReport["holdout"]["rules"];
  beforeAll(async () => {
    ({ report } = await trainOn(true));
    ({ model, rules } = report.holdout);
  });

  it("is learned: holdout AUC at least 0.80 and at least the rules' + 0.10", () => {
    expect(model.auc).toBeGreaterThanOrEqual(0.8);
    expect(model.auc).toBeGreaterThanOrEqual(rules.auc + 0.1);
    expect(model.precisionAtTop10).toBeGreaterThan(rules.precisionAtTop10);
  });

  it("gives calibrated probabilities: calibration error at most 0.05 on the holdout", () => {
    expect(model.calibrationError).toBeLessThanOrEqual(0.05);
    const predicted = model.reliability.reduce((s, b) => s + b.meanPredicted * b.count, 0) / model.examples;
    expect(Math.abs(predicted - model.positives / model.examples)).toBeLessThanOrEqual(0.02);
  });

  it("is used for ranking, and its weights name the truth: company size and pricing visits push up", () => {
    expect(report.used).toBe(true);
    const weight = (feature: string) => report.weights.find((w) => w.feature === feature)!.weight;
    expect(weight("employees")).toBeGreaterThan(0);
    expect(weight("events:page:pricing_7d") + weight("events:page:pricing_30d") + weight("events:page:pricing_1d")).toBeGreaterThan(0);
    expect(report.weights.slice(0, 3).map((w) => w.feature)).toContain("employees");
  });

  it("holds out the newest moment: the holdout is evaluated on examples the training never labelled", () => {
    expect(report.training.examples).toBeGreaterThan(model.examples);
    expect(model.positives).toBeGreaterThanOrEqual(10);
  });
});

describe("a history with no signal (every lead converts with the same daily chance)", () => {
  let report: ModelReport;
  beforeAll(async () => {
    ({ report } = await trainOn(false));
  });

  it("shows an AUC of about 0.5 and the model is not used", () => {
    expect(Math.abs(report.holdout.model.auc - 0.5)).toBeLessThanOrEqual(0.05);
    expect(report.used).toBe(false);
    expect(report.reason).toContain("no usable signal");
  });
});
