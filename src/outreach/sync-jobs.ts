import type { Caller } from "../db/tenants";
import { ApiError } from "../http/errors";
import { acceptedSourceIds, listAccounts, namespacesAccepting, type ConnectedAccount } from "./store";
import { createSyncJob, type SyncJob, type SyncTask } from "./sync-store";
import { listNamespaces } from "../db/tenants";
import type { SyncJobConfig, SyncJobRequest } from "../schemas/sync";
import { enqueueStep } from "./sync-queue";

export const DEFAULT_BATCH_SIZE = 500;

/**
 * An account a job reads, and what it keeps: everything (`routeTo` null), or
 * only the activity whose campaign routes to one of the namespaces `routeTo`
 * names (ids); the rest is read and skipped.
 */
export interface SyncScope {
  account: ConnectedAccount;
  routeTo: string[] | null;
}

/**
 * What a job request covers. A named namespace covers its own accounts
 * whole, and the accounts of each namespace it accepts routed activity from
 * (its hub), kept to the campaigns that route to it. A namespace's API key
 * may name its own namespace ("all" means it) and the namespaces that accept
 * its routed activity (for those, only its own accounts are read); the
 * admin token may name any.
 */
export async function syncScope(db: D1Database, caller: Caller, request: SyncJobRequest): Promise<SyncScope[]> {
  const all = await listNamespaces(db);
  const own = caller.kind === "namespace" ? caller.namespace.id : null;
  const clients = own === null ? [] : await namespacesAccepting(db, own);
  let named: string[];
  if (request.namespaces === "all") named = own === null ? all.map((n) => n.id) : [own];
  else {
    const reachable = (id: string | undefined) => id !== undefined && (own === null || id === own || clients.includes(id));
    const unknown = request.namespaces.filter((name) => !reachable(all.find((n) => n.name === name)?.id));
    if (unknown.length > 0) {
      throw new ApiError(
        404,
        "not_found",
        `no namespace this key may sync: ${unknown.join(", ")}`,
        unknown.map((name) => ({ path: `namespaces.${request.namespaces.indexOf(name)}`, message: `no namespace ${name} for this key` })),
      );
    }
    named = all.filter((n) => request.namespaces.includes(n.name)).map((n) => n.id);
  }
  // Per account: null (whole) wins over any restriction; restrictions add up.
  const routeTo = new Map<string, Set<string> | null>();
  const cover = (accountOwner: string, only: string | null) => {
    const current = routeTo.get(accountOwner);
    if (current === null) return;
    routeTo.set(accountOwner, only === null ? null : new Set([...(current ?? []), only]));
  };
  const hubs = own === null ? await acceptedSourceIds(db, named) : new Map<string, string[]>();
  for (const id of named) {
    if (own === null || id === own) cover(id, null);
    else cover(own, id);
    for (const hub of hubs.get(id) ?? []) cover(hub, id);
  }
  const accounts = (await listAccounts(db, [...routeTo.keys()])).filter((a) => request.platforms.includes(a.platform));
  return accounts.map((account) => {
    const only = routeTo.get(account.namespaceId);
    return { account, routeTo: only ? [...only].sort() : null };
  });
}

/** The accounts a job request covers (see syncScope). */
export async function accountsForRequest(db: D1Database, caller: Caller, request: SyncJobRequest): Promise<ConnectedAccount[]> {
  return (await syncScope(db, caller, request)).map((s) => s.account);
}

/** Creates the job and queues each account's first page; 409 when one of the accounts is being synced. */
export async function startSyncJob(env: Env, caller: Caller, request: SyncJobRequest): Promise<{ job: SyncJob; tasks: SyncTask[] }> {
  const scope = await syncScope(env.DB, caller, request);
  const accounts = scope.map((s) => s.account);
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
  const restricted = scope.filter((s) => s.routeTo !== null);
  if (restricted.length > 0) config.routeOnly = Object.fromEntries(restricted.map((s) => [s.account.id, s.routeTo!]));
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
