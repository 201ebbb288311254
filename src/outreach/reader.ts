import type { ConnectedAccount } from "./store";
import { syncJobConfigJson, type SyncJob, type SyncTask } from "./sync-store";
import type { SyncJobConfig } from "../schemas/sync";
import { Pacer, type ApiAnswer } from "./http";
import { readLemlistPage, type LemlistPosition } from "./lemlist";
import { readSmartleadPage, type SmartleadPosition } from "./smartlead";
import type { ActivityWindow, PageResult } from "./page";
import { config } from "../config";

/** A delta run reads this far behind the watermark too, for activity the tool recorded late (it counts once by its key). */
export const DELTA_OVERLAP_MS = 60 * 60_000;

export type PageReader = (position: unknown, limit: number) => Promise<ApiAnswer<PageResult<unknown>>>;

/** Reads an account's activity page by page, within the job's window and the tool's pace. */
export function pageReader(env: Env, account: ConnectedAccount, window: ActivityWindow): PageReader {
  if (account.platform === "lemlist") {
    const pacer = new Pacer(account.id, config(env).sync.intervalMs.lemlist);
    const base = account.baseUrl ?? env.LEMLIST_API_URL;
    return (position, limit) => readLemlistPage(base, account.apiKey, position as LemlistPosition | null, limit, window, pacer);
  }
  const pacer = new Pacer(account.id, config(env).sync.intervalMs.smartlead);
  const base = account.baseUrl ?? env.SMARTLEAD_API_URL;
  return (position, limit) => readSmartleadPage(base, account.apiKey, position as SmartleadPosition | null, limit, window, pacer);
}

/**
 * The activity times a run keeps, from its mode: everything (full history),
 * a date range, or from a date on (the watermark less an overlap for a
 * delta, the given date for a reset).
 */
export function windowFor(job: SyncJob, account: ConnectedAccount): ActivityWindow {
  const config = syncJobConfigJson.parse(job.config);
  switch (job.mode) {
    case "full_historical":
      return {};
    case "date_range":
      return { from: Date.parse(config.dateRange!.from), to: Date.parse(config.dateRange!.to) };
    case "reset_from_date":
      return { from: Date.parse(config.resetDate!) };
    case "delta_since_last":
      // Smartlead's statistics rows fill in later (an open is added to its send's row), so its deltas read them all.
      return account.watermark && account.platform === "lemlist" ? { from: Date.parse(account.watermark) - DELTA_OVERLAP_MS } : {};
  }
}

/** Where the account's watermark goes when a task of this job completes (undefined: left as it is). */
export function nextWatermark(job: SyncJob, account: ConnectedAccount, task: SyncTask, newestSeen: string | null): string | null | undefined {
  if (job.mode === "date_range") return undefined;
  if (job.mode === "reset_from_date") return newestSeen ?? syncJobConfigJson.parse(job.config).resetDate!;
  if (newestSeen === null) return undefined;
  return account.watermark && account.watermark > newestSeen ? account.watermark : newestSeen;
}
