import { backoffMs } from "../destinations/backoff";
import { getAccount, loadRoutingKeywords } from "./store";
import { finishJobIfDone, getSyncJob, getTask, markJobStarted, saveTaskProgress, syncJobConfigJson, type SyncTask, type TaskProgress } from "./sync-store";
import type { SyncJobConfig } from "../schemas/sync";
import { ingestOutreach } from "./ingest";
import { nextWatermark, pageReader, windowFor } from "./reader";
import { sendJobCallback } from "./callback";
import { isSkipped, type OutreachActivity } from "./types";
import { config } from "../config";

/** Run the page of task `taskId` numbered `step` (a message for any other step is stale). */
export interface SyncMessage {
  jobId: string;
  taskId: string;
  step: number;
}

export async function enqueueStep(env: Env, task: Pick<SyncTask, "jobId" | "id" | "step">, delayMs = 0): Promise<void> {
  await env.SYNC.send({ jobId: task.jobId, taskId: task.id, step: task.step }, { delaySeconds: Math.min(43_200, Math.ceil(delayMs / 1000)) });
}

/**
 * Runs sync steps. A step reads up to the job's batchSize activities through
 * the tool's API (pages of at most 100), hands them to their leads, and only
 * then records the new position, in the same transaction that ends the task
 * and moves the account's watermark; then it queues the next step. A step
 * that throws is retried by the queue from the last recorded position.
 */
export async function consumeSync(batch: MessageBatch<SyncMessage>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        await runStep(env, message.body);
        message.ack();
      } catch (error) {
        console.error("sync step failed; the queue retries it", error);
        message.retry({ delaySeconds: 1 });
      }
    }),
  );
}

/** A message the queue gave up on: its task fails, so the job ends and can be resumed. */
export async function consumeSyncDeadLetters(batch: MessageBatch<SyncMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const task = await getTask(env.DB, message.body.taskId);
    if (task && task.step === message.body.step && (task.status === "queued" || task.status === "in_progress")) {
      await saveTaskProgress(env.DB, task, { ...unchanged(task), outcome: "failed", error: "the sync queue gave up on this page after repeated errors" });
      await endJobIfDone(env, task.jobId);
    }
    message.ack();
  }
}

async function runStep(env: Env, message: SyncMessage): Promise<void> {
  const task = await getTask(env.DB, message.taskId);
  if (!task || task.step !== message.step || !(task.status === "queued" || task.status === "in_progress")) return;
  const job = (await getSyncJob(env.DB, task.jobId))!;
  const account = await getAccount(env.DB, task.accountId);
  if (!account) {
    await saveTaskProgress(env.DB, task, { ...unchanged(task), outcome: "failed", error: "the connected account was deleted" });
    await endJobIfDone(env, job.id);
    return;
  }
  await markJobStarted(env.DB, job.id);
  const { batchSize, rateLimitDelay = 0, routeOnly } = syncJobConfigJson.parse(job.config);
  // Read for the namespaces that accept this account's activity: only what routes to them is kept.
  const onlyTo = routeOnly?.[account.id];
  const read = pageReader(env, account, windowFor(job, account));

  let position: unknown = task.position === null ? null : JSON.parse(task.position);
  let more = true;
  let readCount = 0;
  let total = task.total;
  const activities: OutreachActivity[] = [];
  let failure: { error: string; retryAfterMs?: number; permanent?: boolean } | undefined;
  while (more && readCount < batchSize) {
    // Between pages, a cancelled task stops at once.
    if (readCount > 0 && (await getTask(env.DB, task.id))?.status === "cancelled") return;
    // The job's own pacing between page requests (the seed's rateLimitDelay).
    if (readCount > 0 && rateLimitDelay > 0) await new Promise((resolve) => setTimeout(resolve, rateLimitDelay));
    const answer = await read(position, batchSize - readCount);
    if (!answer.ok) {
      failure = answer;
      break;
    }
    const page = answer.value;
    for (const a of page.activities) if (!isSkipped(a)) activities.push(a);
    if (page.totalHint !== undefined) total = (total ?? 0) + page.totalHint;
    readCount += page.read;
    position = page.next;
    more = !page.done;
  }

  const outcome = await ingestOutreach(env, account.namespaceId, activities, await loadRoutingKeywords(env.DB, account.namespaceId), onlyTo);
  const newestSeen = newest(task.newestSeen, activities);
  // Compared as stored: a task that has read nothing yet holds SQL null, not the text "null".
  const storedPosition = position === null ? null : JSON.stringify(position);
  const progressed = readCount > 0 || storedPosition !== task.position;
  const attempts = failure && !failure.retryAfterMs ? (progressed ? 1 : task.attempts + 1) : 0;
  const gaveUp = failure !== undefined && failure.retryAfterMs === undefined && (failure.permanent || attempts >= config(env).sync.maxAttempts);
  const done = !failure && !more;
  const progress: TaskProgress = {
    position: storedPosition,
    read: task.read + readCount,
    imported: task.imported + outcome.accepted - outcome.duplicates,
    duplicates: task.duplicates + outcome.duplicates,
    total,
    newestSeen,
    attempts,
    error: failure?.error,
    outcome: done ? "completed" : gaveUp ? "failed" : "more",
    watermark: done && !onlyTo ? nextWatermark(job, account, task, newestSeen) : undefined,
    // Part of the account's activity was kept: the account is not synced by it.
    partial: onlyTo !== undefined,
  };
  if (!(await saveTaskProgress(env.DB, task, progress))) return;
  if (progress.outcome === "more") {
    const delay = failure ? (failure.retryAfterMs ?? backoffMs(attempts - 1, config(env).sync.backoff.baseMs, config(env).sync.backoff.capMs)) : rateLimitDelay;
    await enqueueStep(env, { ...task, step: task.step + 1 }, delay);
  } else {
    await endJobIfDone(env, job.id);
  }
}

async function endJobIfDone(env: Env, jobId: string): Promise<void> {
  const ended = await finishJobIfDone(env.DB, jobId);
  if (ended) await sendJobCallback(env.DB, ended);
}

function unchanged(task: SyncTask): Omit<TaskProgress, "outcome"> {
  return { position: task.position, read: task.read, imported: task.imported, duplicates: task.duplicates, total: task.total, newestSeen: task.newestSeen, attempts: task.attempts };
}

function newest(current: string | null, activities: readonly OutreachActivity[]): string | null {
  let best = current === null ? Number.NEGATIVE_INFINITY : Date.parse(current);
  for (const a of activities) {
    const at = Date.parse(a.occurredAt ?? "");
    if (at > best) best = at;
  }
  return Number.isFinite(best) ? new Date(best).toISOString() : null;
}
