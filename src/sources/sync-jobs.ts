import type { Caller } from "../http/app-env";
import { ApiError } from "../http/errors";
import { listAccounts, type ConnectedAccount } from "../db/outreach";
import { createSyncJob, type SyncJob, type SyncTask } from "../db/sync";
import { listNamespaces } from "../db/tenants";
import type { SyncJobConfig, SyncJobRequest } from "../schemas/sync";
import { enqueueStep } from "../queues/sync";

export const DEFAULT_BATCH_SIZE = 500;

/**
 * The accounts a job request covers: those of its platforms in its
 * namespaces. A namespace's API key reaches only its own namespace ("all"
 * means it); the admin token any.
 */
export async function accountsForRequest(db: D1Database, caller: Caller, request: SyncJobRequest): Promise<ConnectedAccount[]> {
  const all = await listNamespaces(db);
  let namespaceIds: string[];
  if (request.namespaces === "all") namespaceIds = caller.kind === "admin" ? all.map((n) => n.id) : [caller.namespace.id];
  else {
    const unknown = request.namespaces.filter((name) => !all.some((n) => n.name === name) || (caller.kind === "namespace" && caller.namespace.name !== name));
    if (unknown.length > 0) {
      throw new ApiError(
        404,
        "not_found",
        `no namespace this key may sync: ${unknown.join(", ")}`,
        unknown.map((name) => ({ path: `namespaces.${request.namespaces.indexOf(name)}`, message: `no namespace ${name} for this key` })),
      );
    }
    namespaceIds = all.filter((n) => request.namespaces.includes(n.name)).map((n) => n.id);
  }
  return (await listAccounts(db, namespaceIds)).filter((a) => request.platforms.includes(a.platform));
}

/** Creates the job and queues each account's first page; 409 when one of the accounts is being synced. */
export async function startSyncJob(env: Env, caller: Caller, request: SyncJobRequest): Promise<{ job: SyncJob; tasks: SyncTask[] }> {
  const accounts = await accountsForRequest(env.DB, caller, request);
  if (accounts.length === 0) {
    throw new ApiError(422, "no_accounts", `no connected ${request.platforms.join(" or ")} account in the chosen namespaces`, [
      { path: "platforms", message: "no connected account matches" },
    ]);
  }
  const config: SyncJobConfig = {
    platforms: request.platforms,
    namespaces: request.namespaces,
    dateRange: request.dateRange,
    resetDate: request.resetDate,
    batchSize: request.batchSize,
    rateLimitDelay: request.rateLimitDelay,
    callbackUrl: request.callbackUrl,
  };
  const created = await createSyncJob(env.DB, {
    ownerNamespaceId: caller.kind === "admin" ? null : caller.namespace.id,
    trigger: "api",
    mode: request.mode,
    config,
    accounts,
  });
  if ("busy" in created) throw busyError(created.busy);
  for (const task of created.tasks) await enqueueStep(env, task);
  return created;
}

export function busyError(accountIds: readonly string[]): ApiError {
  return new ApiError(409, "sync_running", `a sync of these accounts is already running: ${accountIds.join(", ")}`, { accountIds });
}
