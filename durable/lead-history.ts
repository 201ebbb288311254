/**
 * The lead's history as the predictive score reads it (src/predict/history.ts):
 * every row in order, reduced to an activity key, the running rule score,
 * a running count of identities and the company facts the row carried. Read
 * by training runs only, never on the per-event path.
 */
import { parseStored } from "../src/ingest/nesting";
import { firmographicsFromTraits } from "../src/scoring/icp";
import { eventKey } from "../src/predict/event-key";
import { emailKind } from "../src/predict/email-kind";
import type { HistoryRow, LeadHistory, RowTraits } from "../src/predict/history";
import type { LeadStore } from "./lead-store";

const BOOKKEEPING = new Set(["merge", "decay", "retained"]);

const record = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim().toLowerCase().slice(0, 64) : undefined);

/** What one stored message says about the company and contact. */
export function traitsOf(message: Record<string, unknown>): RowTraits | undefined {
  const context = record(message.context);
  const traits = { ...record(context.traits), ...record(message.traits) };
  const found: RowTraits = {};
  const firmographics = firmographicsFromTraits(traits);
  if (firmographics.employees !== undefined) found.employees = firmographics.employees;
  if (firmographics.annualRevenue !== undefined) found.annualRevenue = firmographics.annualRevenue;
  if (firmographics.fundingStage !== undefined) found.fundingStage = text(firmographics.fundingStage);
  const industry = text(traits.industry) ?? text(record(traits.company).industry);
  if (industry !== undefined) found.industry = industry;
  const kind = typeof traits.email === "string" ? emailKind(traits.email) : null;
  if (kind) found.email = kind;
  const source = text(record(context.campaign).source);
  if (source !== undefined) found.source = source;
  return Object.keys(found).length > 0 ? found : undefined;
}

export function leadHistory(store: LeadStore, leadId: string): LeadHistory {
  const identities = new Set<string>();
  const rows: HistoryRow[] = store.log.allRows().map((row) => {
    if (BOOKKEEPING.has(row.type)) return { ts: row.ts, key: null, ruleScore: row.running_score };
    const message = record(parseStored(row.body));
    for (const field of ["userId", "anonymousId"] as const) {
      const value = message[field];
      if (typeof value === "string" || typeof value === "number") identities.add(`${field}:${value}`);
    }
    const traits = traitsOf(message);
    const email = record(message.traits).email ?? record(record(message.context).traits).email;
    if (typeof email === "string" && email.includes("@")) identities.add(`email:${email.trim().toLowerCase()}`);
    const out: HistoryRow = { ts: row.ts, key: eventKey(row.type, row.name, message), ruleScore: row.running_score, identities: identities.size };
    if (traits) out.traits = traits;
    return out;
  });
  const stageChanges = store.log.stageChanges().map((c) => ({ at: Date.parse(c.at), to: c.to }));
  return { leadId, rows, stageChanges };
}
