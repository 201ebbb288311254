import { claimCallback, recordCallback, syncJobConfigJson, tasksOf, type SyncJob } from "./sync-store";
import type { SyncJobConfig } from "../schemas/sync";
import { describeSyncJob } from "./job-view";
import { guardedFetch, RefusedUrlError } from "../outbound/fetch";

const TRIES = 3;

/** POSTs the ended job to its callbackUrl, once (a few quick tries), and records how that went. */
export async function sendJobCallback(db: D1Database, job: SyncJob): Promise<void> {
  const { callbackUrl } = syncJobConfigJson.parse(job.config);
  if (!callbackUrl || !(await claimCallback(db, job.id))) return;
  const body = JSON.stringify({ job: describeSyncJob(job, await tasksOf(db, [job.id])) });
  let state = "failed";
  for (let i = 0; i < TRIES; i++) {
    try {
      const res = await guardedFetch(callbackUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body, signal: AbortSignal.timeout(10_000) });
      await res.body?.cancel();
      state = res.ok ? "sent" : `failed: answered ${res.status}`;
      if (res.ok) break;
    } catch (error) {
      state = `failed: ${error instanceof Error ? error.message : String(error)}`;
      if (error instanceof RefusedUrlError) break;
    }
  }
  await recordCallback(db, job.id, state);
}
