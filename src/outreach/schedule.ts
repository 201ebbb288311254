/**
 * Whether the Cron Trigger syncs an account at `now`: it is enabled, and its
 * interval (if any) has passed since its last completed sync. SLACK_MS keeps
 * a 4-hour interval from slipping a whole cron tick each time.
 */
export const SCHEDULE_SLACK_MS = 5 * 60_000;

export function syncIsDue(
  account: { syncEnabled: boolean; syncIntervalMinutes: number | null; lastSyncedAt: number | null },
  now: number,
): boolean {
  if (!account.syncEnabled) return false;
  if (account.syncIntervalMinutes === null || account.lastSyncedAt === null) return true;
  return now - account.lastSyncedAt >= account.syncIntervalMinutes * 60_000 - SCHEDULE_SLACK_MS;
}

/** When the account is next synced by the cron (at the first tick after this), or null when disabled. */
export function nextSyncAt(account: { syncEnabled: boolean; syncIntervalMinutes: number | null; lastSyncedAt: number | null }, now: number): number | null {
  if (!account.syncEnabled) return null;
  if (account.syncIntervalMinutes === null || account.lastSyncedAt === null) return now;
  return Math.max(now, account.lastSyncedAt + account.syncIntervalMinutes * 60_000 - SCHEDULE_SLACK_MS);
}
