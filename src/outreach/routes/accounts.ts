import { Hono } from "hono";
import { jsonBody } from "../../http/json-body";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { parseOrThrow } from "../../http/validate";
import { assertOutboundUrls } from "../../outbound/fetch";
import { secretHint } from "../../secrets/write-only";
import { accountBody, accountIdParam } from "../../schemas/sync";
import { busyAccounts } from "../sync-store";
import { createAccount, deleteAccount, getAccount, listAccounts, type ConnectedAccount } from "../store";
import type { ShownAccount } from "../../contracts/outreach-views";

/** A namespace's connected Lemlist and Smartlead accounts. The API key is write-only. */
export const accountRoutes = new Hono<AppEnv>();


accountRoutes.get("/", async (c) => c.json({ accounts: (await listAccounts(c.env.DB, [c.var.namespace.id])).map(show) }));

accountRoutes.post("/", async (c) => {
  const input = parseOrThrow(accountBody, await jsonBody(c));
  assertOutboundUrls(c.env, { baseUrl: input.baseUrl });
  return c.json({ account: show(await createAccount(c.env.DB, c.var.namespace.id, input)) }, 201);
});

accountRoutes.get("/:id", async (c) => {
  const { id } = parseOrThrow(accountIdParam, c.req.param(), "account id");
  const account = await getAccount(c.env.DB, id);
  if (!account || account.namespaceId !== c.var.namespace.id) throw new ApiError(404, "not_found", `no connected account ${id}`);
  return c.json({ account: show(account) });
});

/** Ownership first: another tenant's account reads as missing, whatever its state. */
accountRoutes.delete("/:id", async (c) => {
  const { id } = parseOrThrow(accountIdParam, c.req.param(), "account id");
  const account = await getAccount(c.env.DB, id);
  if (!account || account.namespaceId !== c.var.namespace.id) throw new ApiError(404, "not_found", `no connected account ${id}`);
  if ((await busyAccounts(c.env.DB, [id])).length > 0) throw new ApiError(409, "sync_running", `account ${id} is being synced; cancel the job first`);
  if (!(await deleteAccount(c.env.DB, c.var.namespace.id, id))) throw new ApiError(404, "not_found", `no connected account ${id}`);
  return c.json({ deleted: id });
});

function show(account: ConnectedAccount): ShownAccount {
  return {
    id: account.id,
    platform: account.platform,
    name: account.name,
    apiKey: secretHint(account.apiKey),
    baseUrl: account.baseUrl,
    cursor: { watermark: account.watermark },
    lastSyncedAt: account.lastSyncedAt ? new Date(account.lastSyncedAt).toISOString() : null,
    createdAt: new Date(account.createdAt).toISOString(),
  };
}
