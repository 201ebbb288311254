import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { requireAdmin, requireNamespace } from "../http/auth";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { createNamedSecretBody, createNamespaceBody, namespaceName } from "../schemas/management";
import { createApiKey, createNamespace, createSource, findNamespaceByName, listNamespaces } from "../db/tenants";
import { namespaceStats } from "../db/projection";

/** Tenancy administration: only the admin token may list and create namespaces, sources and keys. */
export const adminRoutes = new Hono<AppEnv>();

/** A namespace's own API key may read its stats; the admin token any namespace's. */
adminRoutes.get("/:name/stats", requireNamespace, async (c) => {
  if (c.var.namespace.name !== c.req.param("name")) throw new ApiError(404, "not_found", `no namespace named ${c.req.param("name")}`);
  return c.json({ namespace: c.var.namespace.name, ...(await namespaceStats(c.env.DB, c.var.namespace.id)) });
});

adminRoutes.get("/", requireAdmin, async (c) => c.json({ namespaces: await listNamespaces(c.env.DB) }));

adminRoutes.post("/", requireAdmin, async (c) => {
  const { name } = parseOrThrow(createNamespaceBody, await c.req.json().catch(() => undefined));
  if (await findNamespaceByName(c.env.DB, name)) throw new ApiError(409, "conflict", `namespace ${name} already exists`);
  return c.json({ namespace: await createNamespace(c.env.DB, name) }, 201);
});

adminRoutes.post("/:name/sources", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { name } = parseOrThrow(createNamedSecretBody, await c.req.json().catch(() => undefined));
  const { record, secret } = await createSource(c.env.DB, namespace, name);
  return c.json({ source: record, writeKey: secret }, 201);
});

adminRoutes.post("/:name/api-keys", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { name } = parseOrThrow(createNamedSecretBody, await c.req.json().catch(() => undefined));
  const { record, secret } = await createApiKey(c.env.DB, namespace, name);
  return c.json({ apiKey: record, key: secret }, 201);
});

async function namespaceNamed(db: D1Database, name: string) {
  const namespace = namespaceName.safeParse(name).success ? await findNamespaceByName(db, name) : undefined;
  if (!namespace) throw new ApiError(404, "not_found", `no namespace named ${name}`);
  return namespace;
}
