import { database } from "../db/database";
import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { syncJobs, syncTasks } from "../db/schema";
import type { SyncJobConfig, SyncMode } from "../schemas/sync";
import type { ConnectedAccount } from "./store";
import { StoredJson } from "../stored-json";

export type SyncJob = typeof syncJobs.$inferSelect;
export type SyncTask = typeof syncTasks.$inferSelect;
export type SyncStatus = SyncJob["status"];

const ACTIVE: SyncStatus[] = ["queued", "in_progress"];
const MAX_ERRORS_KEPT = 10;

/** A job's config as it was asked for (the column `config`). */
export const syncJobConfigJson = new StoredJson<SyncJobConfig>();
/** A task's last errors, oldest first (the column `errors`). */
export const taskErrorsJson = new StoredJson<{ at: string; message: string }[]>();

export interface NewSyncJob {
  ownerNamespaceId: string | null;
  trigger: SyncJob["trigger"];
  mode: SyncMode;
  config: SyncJobConfig;
  accounts: readonly ConnectedAccount[];
}

/** The accounts of `accountIds` that a running sync holds. */
export async function busyAccounts(db: D1Database, accountIds: readonly string[]): Promise<string[]> {
  if (accountIds.length === 0) return [];
  const rows = await database(db)
    .select({ accountId: syncTasks.activeAccountId })
    .from(syncTasks)
    .where(inArray(syncTasks.activeAccountId, [...accountIds]))
    .all();
  return rows.map((r) => r.accountId!);
}

/**
 * Creates a job and one task per account in one transaction. Each task holds
 * its account (unique `active_account_id`), so when a sync of one of them is
 * already running nothing is created and the busy accounts are returned.
 */
export async function createSyncJob(db: D1Database, input: NewSyncJob): Promise<{ job: SyncJob; tasks: SyncTask[] } | { busy: string[] }> {
  const busy = await busyAccounts(db, input.accounts.map((a) => a.id));
  if (busy.length > 0) return { busy };
  const now = Date.now();
  const job: SyncJob = {
    id: crypto.randomUUID(),
    ownerNamespaceId: input.ownerNamespaceId,
    trigger: input.trigger,
    mode: input.mode,
    config: syncJobConfigJson.stringify(input.config),
    status: "queued",
    callbackState: null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
  };
  const tasks: SyncTask[] = input.accounts.map((account) => ({
    id: crypto.randomUUID(),
    jobId: job.id,
    accountId: account.id,
    platform: account.platform,
    status: "queued",
    activeAccountId: account.id,
    position: null,
    step: 0,
    read: 0,
    imported: 0,
    duplicates: 0,
    total: null,
    attempts: 0,
    errors: taskErrorsJson.stringify([]),
    newestSeen: null,
    updatedAt: now,
  }));
  const orm = database(db);
  try {
    const inserts = tasks.map((task) => orm.insert(syncTasks).values(task));
    await orm.batch([orm.insert(syncJobs).values(job), ...inserts]);
  } catch (error) {
    // Another request took one of the accounts between the check and the insert.
    if (String(error).includes("UNIQUE")) return { busy: await busyAccounts(db, input.accounts.map((a) => a.id)) };
    throw error;
  }
  return { job, tasks };
}

export async function getSyncJob(db: D1Database, id: string): Promise<SyncJob | undefined> {
  return database(db).select().from(syncJobs).where(eq(syncJobs.id, id)).get();
}

/** Newest first; `status` keeps only jobs in that state. */
export async function listSyncJobs(db: D1Database, ownerNamespaceId: string | null, limit = 50, status?: SyncStatus): Promise<SyncJob[]> {
  const filters = [];
  if (ownerNamespaceId !== null) filters.push(eq(syncJobs.ownerNamespaceId, ownerNamespaceId));
  if (status !== undefined) filters.push(eq(syncJobs.status, status));
  return database(db).select().from(syncJobs).where(and(...filters)).orderBy(desc(syncJobs.createdAt)).limit(limit).all();
}

export async function tasksOf(db: D1Database, jobIds: readonly string[]): Promise<SyncTask[]> {
  if (jobIds.length === 0) return [];
  return database(db).select().from(syncTasks).where(inArray(syncTasks.jobId, [...jobIds])).all();
}

export async function getTask(db: D1Database, id: string): Promise<SyncTask | undefined> {
  return database(db).select().from(syncTasks).where(eq(syncTasks.id, id)).get();
}

export async function markJobStarted(db: D1Database, jobId: string): Promise<void> {
  await database(db)
    .update(syncJobs)
    .set({ status: "in_progress", startedAt: Date.now() })
    .where(and(eq(syncJobs.id, jobId), eq(syncJobs.status, "queued")));
}

export interface TaskProgress {
  position: string | null;
  read: number;
  imported: number;
  duplicates: number;
  total: number | null;
  newestSeen: string | null;
  attempts: number;
  error?: string;
  /** completed: the last page is in; failed: no more tries. */
  outcome: "more" | "completed" | "failed";
  /** Where the account's watermark goes when the task completes (undefined: unchanged). */
  watermark?: string | null;
  /** The task kept only part of the account's activity: its completion leaves the account's watermark and last sync time alone. */
  partial?: boolean;
}

/**
 * Records a page: the task moves on from `fromStep` to the next step, in one
 * transaction with the account's watermark when the task completes. Changes
 * nothing (and says so) when the task was cancelled or another message
 * already took this step.
 */
export async function saveTaskProgress(db: D1Database, task: SyncTask, progress: TaskProgress): Promise<boolean> {
  const now = Date.now();
  const errors = progress.error
    ? taskErrorsJson.stringify([...taskErrorsJson.parse(task.errors), { at: new Date(now).toISOString(), message: progress.error }].slice(-MAX_ERRORS_KEPT))
    : task.errors;
  const finished = progress.outcome !== "more";
  const update = db
    .prepare(
      `UPDATE sync_tasks SET position = ?, step = step + 1, read = ?, imported = ?, duplicates = ?, total = ?, newest_seen = ?,
         attempts = ?, errors = ?, status = ?, active_account_id = ?, updated_at = ?
       WHERE id = ? AND step = ? AND status IN ('queued', 'in_progress')`,
    )
    .bind(
      progress.position,
      progress.read,
      progress.imported,
      progress.duplicates,
      progress.total,
      progress.newestSeen,
      progress.attempts,
      errors,
      finished ? progress.outcome : "in_progress",
      finished ? null : task.accountId,
      now,
      task.id,
      task.step,
    );
  const statements = [update];
  if (progress.outcome === "completed" && !progress.partial) {
    const setWatermark = progress.watermark !== undefined;
    statements.push(
      db
        .prepare(
          `UPDATE connected_accounts SET last_synced_at = ?, watermark = CASE WHEN ? THEN ? ELSE watermark END
           WHERE id = ? AND EXISTS (SELECT 1 FROM sync_tasks WHERE id = ? AND status = 'completed' AND step = ?)`,
        )
        .bind(now, setWatermark ? 1 : 0, progress.watermark ?? null, task.accountId, task.id, task.step + 1),
    );
  }
  const [result] = await db.batch(statements);
  return (result!.meta.changes ?? 0) > 0;
}

/** Ends the job once none of its tasks is left to run; returns the job if this call ended it. */
export async function finishJobIfDone(db: D1Database, jobId: string): Promise<SyncJob | undefined> {
  const row = await db
    .prepare(
      `UPDATE sync_jobs SET finished_at = ?2,
         status = CASE WHEN EXISTS (SELECT 1 FROM sync_tasks WHERE job_id = ?1 AND status = 'failed') THEN 'failed' ELSE 'completed' END
       WHERE id = ?1 AND status IN ('queued', 'in_progress')
         AND NOT EXISTS (SELECT 1 FROM sync_tasks WHERE job_id = ?1 AND status IN ('queued', 'in_progress'))
       RETURNING id`,
    )
    .bind(jobId, Date.now())
    .first();
  return row ? getSyncJob(db, jobId) : undefined;
}

/** Stops a job: its tasks stop at their next page and let go of their accounts. Returns the job if this call cancelled it. */
export async function cancelSyncJob(db: D1Database, jobId: string): Promise<SyncJob | undefined> {
  const now = Date.now();
  const [, cancelled] = await db.batch([
    db
      .prepare(`UPDATE sync_tasks SET status = 'cancelled', active_account_id = NULL, updated_at = ? WHERE job_id = ? AND status IN ('queued', 'in_progress')`)
      .bind(now, jobId),
    db.prepare(`UPDATE sync_jobs SET status = 'cancelled', finished_at = ? WHERE id = ? AND status IN ('queued', 'in_progress') RETURNING id`).bind(now, jobId),
  ]);
  return cancelled!.results.length > 0 ? getSyncJob(db, jobId) : undefined;
}

/**
 * Puts a failed job's failed tasks back in the queue from their last durable
 * position. Refused (busy accounts returned) when another sync holds one of the accounts.
 */
export async function resumeSyncJob(db: D1Database, job: SyncJob): Promise<{ tasks: SyncTask[] } | { busy: string[] }> {
  const failed = (await tasksOf(db, [job.id])).filter((t) => t.status === "failed");
  const busy = await busyAccounts(db, failed.map((t) => t.accountId));
  if (busy.length > 0) return { busy };
  const orm = database(db);
  const now = Date.now();
  try {
    await orm.batch([
      orm.update(syncJobs).set({ status: "in_progress", finishedAt: null, callbackState: null }).where(eq(syncJobs.id, job.id)),
      ...failed.map((t) =>
        orm.update(syncTasks).set({ status: "queued", activeAccountId: t.accountId, attempts: 0, updatedAt: now }).where(and(eq(syncTasks.id, t.id), eq(syncTasks.status, "failed"))),
      ),
    ]);
  } catch (error) {
    if (String(error).includes("UNIQUE")) return { busy: await busyAccounts(db, failed.map((t) => t.accountId)) };
    throw error;
  }
  return { tasks: (await tasksOf(db, [job.id])).filter((t) => failed.some((f) => f.id === t.id)) };
}

/** Claims the job's callback so it is sent once; false when it was claimed before. */
export async function claimCallback(db: D1Database, jobId: string): Promise<boolean> {
  const claimed = await database(db)
    .update(syncJobs)
    .set({ callbackState: "sending" })
    .where(and(eq(syncJobs.id, jobId), isNull(syncJobs.callbackState)))
    .returning({ id: syncJobs.id });
  return claimed.length > 0;
}

export async function recordCallback(db: D1Database, jobId: string, state: string): Promise<void> {
  await database(db).update(syncJobs).set({ callbackState: state }).where(eq(syncJobs.id, jobId));
}

/** Cron jobs that ended more than `olderThanMs` ago go, so the job list does not fill with them. */
export async function pruneCronJobs(db: D1Database, olderThanMs: number): Promise<void> {
  const before = Date.now() - olderThanMs;
  await db.batch([
    db.prepare(`DELETE FROM sync_tasks WHERE job_id IN (SELECT id FROM sync_jobs WHERE trigger = 'cron' AND status = 'completed' AND finished_at < ?)`).bind(before),
    db.prepare(`DELETE FROM sync_jobs WHERE trigger = 'cron' AND status = 'completed' AND finished_at < ?`).bind(before),
  ]);
}

export const isActive = (status: SyncStatus): boolean => ACTIVE.includes(status);
