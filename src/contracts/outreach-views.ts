// What the outreach routes answer for connected accounts (src/outreach/routes/accounts.ts) and sync jobs
// (src/outreach/job-view.ts, also the body of a job's callback). Shared with the console's Accounts screen.
import type { SyncJobConfig } from "../schemas/sync";
import type { Platform } from "../outreach/types";

/** A Lemlist or Smartlead account as the API shows it: its API key as a hint only; times in ISO 8601. */
export interface ShownAccount {
  id: string;
  platform: Platform;
  name: string;
  apiKey: string;
  baseUrl: string | null;
  cursor: { watermark: string | null };
  lastSyncedAt: string | null;
  createdAt: string;
}

export type SyncStatus = "queued" | "in_progress" | "completed" | "failed" | "cancelled";

/** A sync job with its progress summed over its accounts' tasks; times in ISO 8601. */
export interface ShownSyncJob {
  id: string;
  status: SyncStatus;
  trigger: "api" | "cron";
  mode: "full_historical" | "delta_since_last" | "date_range" | "reset_from_date";
  config: SyncJobConfig;
  processed: number;
  /** Known once every task's total is. */
  total: number | null;
  percentage: number | null;
  etaSeconds: number | null;
  platforms: Record<string, { accounts: number; read: number; imported: number; duplicates: number }>;
  accounts: Array<{ accountId: string; platform: Platform; status: SyncStatus; read: number; imported: number; duplicates: number; pages: number; position: unknown }>;
  errors: Array<{ accountId: string; at: string; message: string }>;
  /** null, then `sent` or `failed: …` once the callback was tried. */
  callback: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
