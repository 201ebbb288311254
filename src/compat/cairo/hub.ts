/**
 * The Cairo operator's group: the hub (CAIRO_HUB_NAMESPACE, Cairo's default
 * namespace, owning the Lemlist/Smartlead accounts) and the client
 * namespaces that accept its routed activity. The group is the core's route
 * acceptance (`acceptRoutedFrom`), set explicitly when the admin token
 * creates a client through /compat/cairo and visible natively.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { createNamespace, findNamespaceByName, listNamespaces, type Namespace } from "../../db/tenants";
import { namespacesAccepting } from "../../outreach/store";
import { adminNamespace } from "../../http/credentials";

export function hubName(env: Env): string {
  return env.CAIRO_HUB_NAMESPACE || "playmaker";
}

/** The hub, created (empty) the first time the operator makes a client, as Cairo made its default namespace on setup. */
export async function ensureHub(env: Env): Promise<Namespace> {
  const name = hubName(env);
  const found = await findNamespaceByName(env.DB, name);
  if (found) return found;
  try {
    return await createNamespace(env.DB, name);
  } catch (error) {
    // Another request created it first.
    const raced = await findNamespaceByName(env.DB, name);
    if (raced) return raced;
    throw error;
  }
}

export async function findHub(env: Env): Promise<Namespace> {
  const hub = await findNamespaceByName(env.DB, hubName(env));
  if (!hub) {
    throw new ApiError(404, "not_found", `no Cairo hub namespace ${hubName(env)} yet: create it first (POST /compat/cairo/api/namespaces {"name": "${hubName(env)}"})`);
  }
  return hub;
}

/** The operator's namespaces: the hub, then its clients by name. */
export async function operatorGroup(env: Env): Promise<Namespace[]> {
  const hub = await findNamespaceByName(env.DB, hubName(env));
  if (!hub) return [];
  const clients = new Set(await namespacesAccepting(env.DB, hub.id));
  return [hub, ...(await listNamespaces(env.DB)).filter((n) => clients.has(n.id))];
}

/** The namespace a Cairo call acts on: the key's own; for the admin token the one `?namespace=` names, else the hub. */
export async function cairoNamespace(c: Context<AppEnv>): Promise<Namespace> {
  if (c.var.caller.kind === "namespace") return c.var.caller.namespace;
  return c.req.query("namespace") ? adminNamespace(c, undefined) : findHub(c.env);
}
