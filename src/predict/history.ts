/**
 * What the predictive score reads of one lead: its rows in time order, each
 * reduced to what features and labels need. A lead object builds this from
 * its log (durable/lead-history.ts); the synthetic generator builds it
 * directly. Nothing here is personal: identities are only counted.
 */

/** What one row says about the lead's company and contact, when it says anything. */
export interface RowTraits {
  employees?: number;
  annualRevenue?: number;
  fundingStage?: string;
  industry?: string;
  /** The email's kind, never the address. */
  email?: "corporate" | "free";
  /** First-touch source: utm_source (context.campaign.source) of the row. */
  source?: string;
}

export interface HistoryRow {
  ts: number;
  /** The activity this row counts as (see eventKey), or null for rows that are not activity (identify, merge, decay). */
  key: string | null;
  /** The behaviour score of the rules after this row (the log's running score). */
  ruleScore: number;
  /** Identities known after this row (a running count). */
  identities?: number;
  traits?: RowTraits;
}

export interface LeadHistory {
  leadId: string;
  /** Rows in time order. */
  rows: readonly HistoryRow[];
  /** Stage changes in time order (the rules' stage). */
  stageChanges: readonly { at: number; to: string }[];
}

/** What "converted" means in a namespace: any of these events (canonical names), or reaching any of these stages. */
export interface OutcomeDefinition {
  events: readonly string[];
  stages: readonly string[];
}

/** Event keys of outcome events: `track` rows are keyed by their canonical name. */
export const isOutcomeKey = (key: string | null, outcome: OutcomeDefinition): boolean => key !== null && outcome.events.includes(key);

/** When the lead first converted (the earliest outcome event or stage reached), or null. */
export function outcomeAt(history: LeadHistory, outcome: OutcomeDefinition): number | null {
  let first: number | null = null;
  for (const row of history.rows) {
    if (isOutcomeKey(row.key, outcome)) {
      first = row.ts;
      break;
    }
  }
  for (const change of history.stageChanges) {
    if (outcome.stages.includes(change.to)) {
      if (first === null || change.at < first) first = change.at;
      break;
    }
  }
  return first;
}

/** When the lead was first seen: its earliest row (null for an empty history). */
export const firstSeen = (history: LeadHistory): number | null => history.rows[0]?.ts ?? null;
