/**
 * Synthetic lead histories with a planted truth, for the predictive score's
 * tests and bench.
 *
 * The truth (`signal: true`): a lead's daily chance of converting rises with
 * its pricing-page visits in the last 7 days and with the size of its
 * company. The default rules see it only in part: they give every page view
 * the same 5 points, reward whitepaper downloads (10 points, done most by
 * "researchers", who rarely buy) and give big companies (over 250 people) no
 * ICP points at all. With `signal: false` every lead converts with the same
 * daily chance, whatever it does: nothing can be learned.
 *
 * Deterministic: the same options give the same histories.
 */
import { EMPTY_STATE, foldScores } from "../../../src/scoring/fold";
import { matchRule } from "../../../src/scoring/rules";
import type { HistoryRow, LeadHistory, RowTraits } from "../../../src/predict/history";
import { seededRandom } from "../../../src/predict/train";

export const SYNTHETIC_OUTCOME = { events: ["closed_won"], stages: [] as string[] };
const DAY = 86_400_000;

export interface SyntheticOptions {
  leads?: number;
  /** Leads arrive evenly over this many days before `now`. */
  days?: number;
  now: number;
  seed?: number;
  signal?: boolean;
}

const INDUSTRIES = ["software", "fintech", "retail", "healthcare", "manufacturing", "media", "education", "logistics"];
const SOURCES = ["google", "linkedin", "newsletter", "partner", "direct", "twitter"];
const FUNDING = ["seed", "series_a", "series_b", "series_c", "bootstrapped"];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function poisson(random: () => number, mean: number): number {
  let k = 0;
  let p = Math.exp(-mean);
  let sum = p;
  const u = random();
  while (u > sum && k < 50) {
    k++;
    p *= mean / k;
    sum += p;
  }
  return k;
}

/** Daily conversion chance under the planted truth: pricing visits this week and company size. */
export function plantedHazard(pricingLast7d: number, employees: number): number {
  const z = -7.6 + 1.0 * Math.min(pricingLast7d, 4) + 1.0 * (Math.log(employees) - 4);
  return 1 / (1 + Math.exp(-z));
}
const NO_SIGNAL_HAZARD = 0.0025;

/** One lead's history; `i` seeds it. */
function syntheticLead(i: number, o: Required<SyntheticOptions>): LeadHistory {
  const random = seededRandom(o.seed * 1_000_003 + i);
  const start = Math.floor(o.now - random() * o.days * DAY);
  const employees = Math.max(1, Math.round(Math.exp(4 + 1.5 * normal(random))));
  const researcher = random() < 0.35;
  const intent = random();
  const traits: RowTraits = {
    employees,
    industry: pick(random, INDUSTRIES),
    fundingStage: pick(random, FUNDING),
    email: random() < 0.6 ? "corporate" : "free",
    source: pick(random, SOURCES),
  };
  if (random() < 0.6) traits.annualRevenue = Math.round(employees * 150_000 * Math.exp(0.5 * normal(random)));
  const activity = 0.15 + 0.45 * random();
  const lifetime = 15 + 60 * random();
  // Weights of what an active lead does: researchers download and read, others look at pricing as their intent says.
  const choices: [string, number][] = researcher
    ? [["download", 0.4], ["page:blog", 0.3], ["page:home", 0.1], ["email_opened", 0.15], ["page:pricing", 0.05]]
    : [["page:home", 0.25], ["page:pricing", 0.05 + 0.45 * intent], ["page:docs", 0.15], ["email_opened", 0.15], ["email_clicked", 0.1], ["download", 0.05], ["webinar_attended", 0.05]];
  const totalWeight = choices.reduce((s, [, w]) => s + w, 0);
  const events: { ts: number; key: string }[] = [];
  const pricing: number[] = [];
  for (let day = 0; start + day * DAY < o.now; day++) {
    const dayStart = start + day * DAY;
    const active = random() < activity * Math.exp(-day / lifetime) + 0.01;
    if (active) {
      const n = 1 + poisson(random, 1.5);
      for (let k = 0; k < n; k++) {
        let u = random() * totalWeight;
        const key = choices.find(([, w]) => (u -= w) < 0)?.[0] ?? choices[0]![0];
        const ts = Math.min(o.now - 1, Math.floor(dayStart + random() * DAY));
        events.push({ ts, key });
        if (key === "page:pricing") pricing.push(ts);
      }
    }
    // The day's outcome is drawn at its end, from the week up to it.
    const end = dayStart + DAY;
    if (end >= o.now) break;
    const hazard = o.signal ? plantedHazard(pricing.filter((t) => t > end - 7 * DAY && t <= end).length, employees) : NO_SIGNAL_HAZARD;
    if (random() < hazard) {
      events.push({ ts: end, key: "closed_won" });
      break;
    }
  }
  events.sort((a, b) => a.ts - b.ts);
  return historyOf(`lead-${o.seed}-${i}`, start, traits, events, o.now);
}

/** Rows as a lead object keeps them: an identify row with the traits first, events scored by the default rules, decay rows. */
function historyOf(leadId: string, start: number, traits: RowTraits, events: { ts: number; key: string }[], now: number): LeadHistory {
  const ruleName = (key: string) => (key.startsWith("page:") ? "page_view" : key);
  const folded = foldScores(
    EMPTY_STATE,
    [{ ts: start, match: { ruleId: null, points: 0 }, isEvent: false }, ...events.map((e) => ({ ts: e.ts, match: matchRule(ruleName(e.key), {}, []), isEvent: true }))],
    now,
    () => null,
  );
  const rows: HistoryRow[] = folded.map((step) => {
    if (step.kind === "decay") return { ts: step.ts, key: null, ruleScore: step.state.score };
    if (step.index === 0) return { ts: start, key: null, ruleScore: 0, identities: 2, traits };
    const event = events[step.index - 1]!;
    return { ts: event.ts, key: event.key, ruleScore: step.state.score };
  });
  return { leadId, rows, stageChanges: [] };
}

export function syntheticHistories(options: SyntheticOptions): LeadHistory[] {
  const o: Required<SyntheticOptions> = { leads: 6000, days: 240, seed: 1, signal: true, ...options };
  return Array.from({ length: o.leads }, (_, i) => syntheticLead(i, o));
}
