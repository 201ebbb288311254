import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { requireAdmin, requireNamespace } from "../http/auth";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { createNamedSecretBody, createNamespaceBody, keyIdParam, namespaceName, namespaceSettingsBody, rateLimitBody } from "../schemas/management";
import {
  createApiKey,
  createNamespace,
  createSource,
  findNamespaceByName,
  listNamespaces,
  listSources,
  setApiKeyRateLimit,
  setSourceRateLimit,
} from "../db/tenants";
import { namespaceStats } from "../db/projection";
import { suppressionStats } from "../db/suppression";
import { changeScoring, loadScoringConfig } from "../db/scoring";
import { defaultRateLimit, rateLimiterOf, type LimitedKey } from "../http/rate-limit";
import { describeJob, startRescore } from "./scoring";

/** Tenancy administration: only the admin token may list and create namespaces, sources and keys. */
export const adminRoutes = new Hono<AppEnv>();

/** A namespace's own API key may read its stats; the admin token any namespace's. */
adminRoutes.get("/:name/stats", requireNamespace, async (c) => {
  if (c.var.namespace.name !== c.req.param("name")) throw new ApiError(404, "not_found", `no namespace named ${c.req.param("name")}`);
  const [stats, suppression] = await Promise.all([namespaceStats(c.env.DB, c.var.namespace.id), suppressionStats(c.env.DB, c.var.namespace.id)]);
  return c.json({ namespace: c.var.namespace.name, ...stats, suppression });
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

adminRoutes.get("/:name/settings", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  return c.json({ retentionDays: (await loadScoringConfig(c.env.DB, namespace.id)).retentionDays });
});

/** Retention travels to the lead objects with the scoring config, so a change queues a rescore job that hands it over. */
adminRoutes.patch("/:name/settings", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { retentionDays } = parseOrThrow(namespaceSettingsBody, await c.req.json().catch(() => undefined));
  const changed = (await changeScoring(c.env.DB, namespace.id, { kind: "retention", days: retentionDays }))!;
  await startRescore(c.env, changed.job);
  return c.json({ retentionDays, rescore: describeJob(changed.job) });
});

adminRoutes.get("/:name/sources", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  return c.json({ sources: await listSources(c.env.DB, namespace.id), defaultRateLimit: defaultRateLimit(c.env, "source") });
});

adminRoutes.patch("/:name/sources/:id", requireAdmin, async (c) => setRateLimit(c.env, c.req.param("name"), "source", c.req.param(), await c.req.json().catch(() => undefined)));
adminRoutes.patch("/:name/api-keys/:id", requireAdmin, async (c) =>
  setRateLimit(c.env, c.req.param("name"), "api-key", c.req.param(), await c.req.json().catch(() => undefined)),
);

/** Stores the key's limit in D1 (the record) and in its limiter object (which enforces it from the next request on). */
async function setRateLimit(env: Env, name: string, kind: LimitedKey["kind"], params: unknown, body: unknown): Promise<Response> {
  const namespace = await namespaceNamed(env.DB, name);
  const { id } = parseOrThrow(keyIdParam, params, `${kind} id`);
  const { rateLimit } = parseOrThrow(rateLimitBody, body);
  const found = kind === "source" ? await setSourceRateLimit(env.DB, namespace.id, id, rateLimit) : await setApiKeyRateLimit(env.DB, namespace.id, id, rateLimit);
  if (!found) throw new ApiError(404, "not_found", `no ${kind} ${id} in namespace ${name}`);
  await rateLimiterOf(env, { kind, id }).configure(rateLimit);
  return Response.json({ id, rateLimit, effective: rateLimit ?? defaultRateLimit(env, kind) });
}

async function namespaceNamed(db: D1Database, name: string) {
  const namespace = namespaceName.safeParse(name).success ? await findNamespaceByName(db, name) : undefined;
  if (!namespace) throw new ApiError(404, "not_found", `no namespace named ${name}`);
  return namespace;
}
