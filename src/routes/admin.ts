import { Hono } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import {
  createApiKeyBody,
  createNamedSecretBody,
  createNamespaceWithKeywordsBody,
  keyIdParam,
  namespaceName,
  namespaceSettingsBody,
  rateLimitBody,
  updateNamespaceBody,
  webhookSourceBody,
} from "../schemas/management";
import {
  createApiKey,
  createNamespace,
  createSource,
  deleteNamespace,
  findNamespaceByName,
  listNamespaces,
  listApiKeys,
  listSources,
  type Namespace,
} from "../db/tenants";
import { namespaceStats } from "../db/projection";
import { suppressionStats } from "../db/suppression";
import { changeScoring, loadScoringConfig } from "../db/scoring";
import { defaultRateLimit, forgetLease, rateLimiterOf, type LimitedKey } from "../http/rate-limit";
import { describeJob, startRescore } from "../queues/rescore";
import { refuseTakenKeywords } from "../outreach/keywords";
import { listKeys } from "../db/keys";
import { revokeRoute, rotateRoute } from "./key-actions";
import {
  acceptedSources,
  createWebhookSource,
  keywordsByNamespace,
  listWebhookSources,
  setAcceptedSources,
  setKeywords,
} from "../outreach/store";
import { readRateLimit, setKeyRateLimit } from "../db/rate-limits";
import type { ListedNamespace } from "../contracts/namespaces";

/** Tenancy administration: only the admin token may list and create namespaces, sources and keys. */
export const adminRoutes = new Hono<AppEnv>();

/** A namespace's own API key may read its stats; the admin token any namespace's. */
adminRoutes.get("/:name/stats", async (c) => {
  const [stats, suppression] = await Promise.all([namespaceStats(c.env.DB, c.var.namespace.id), suppressionStats(c.env.DB, c.var.namespace.id)]);
  return c.json({ namespace: c.var.namespace.name, ...stats, suppression });
});

adminRoutes.get("/", async (c) => {
  const all = await listNamespaces(c.env.DB);
  const keywords = await keywordsByNamespace(c.env.DB, all.map((n) => n.id));
  const accepted = await acceptedSources(c.env.DB, all.map((n) => n.id));
  return c.json({ namespaces: all.map((n): ListedNamespace => ({ ...n, keywords: keywords.get(n.id) ?? [], acceptRoutedFrom: accepted.get(n.id) ?? [] })) });
});

adminRoutes.post("/", async (c) => {
  const { name, keywords } = parseOrThrow(createNamespaceWithKeywordsBody, await jsonBody(c));
  if (await findNamespaceByName(c.env.DB, name)) throw new ApiError(409, "conflict", `namespace ${name} already exists`);
  await refuseTakenKeywords(c.env.DB, null, keywords);
  const namespace = await createNamespace(c.env.DB, name);
  await setKeywords(c.env.DB, namespace.id, keywords);
  return c.json({ namespace: { ...namespace, keywords, acceptRoutedFrom: [] } satisfies ListedNamespace }, 201);
});

adminRoutes.get("/:name", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  return c.json({ namespace: await withKeywords(c.env.DB, namespace) });
});

/**
 * Replaces the namespace's campaign-name keywords and/or the namespaces whose
 * syncs and webhooks may route activity into it by those keywords.
 */
adminRoutes.patch("/:name", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { keywords, acceptRoutedFrom } = parseOrThrow(updateNamespaceBody, await jsonBody(c));
  const sourceIds = acceptRoutedFrom && (await namespaceIdsNamed(c.env.DB, acceptRoutedFrom));
  if (keywords) {
    await refuseTakenKeywords(c.env.DB, namespace.id, keywords);
    await setKeywords(c.env.DB, namespace.id, keywords);
  }
  if (sourceIds) await setAcceptedSources(c.env.DB, namespace.id, sourceIds.filter((id) => id !== namespace.id));
  return c.json({ namespace: await withKeywords(c.env.DB, namespace) });
});

/** The ids of these namespaces, or a 400 naming each that does not exist. */
async function namespaceIdsNamed(db: D1Database, names: readonly string[]): Promise<string[]> {
  const found = await Promise.all(names.map((name) => findNamespaceByName(db, name)));
  const missing = names.map((name, i) => ({ name, i })).filter(({ i }) => !found[i]);
  if (missing.length > 0) {
    throw new ApiError(400, "invalid_request", `invalid request: ${missing.map(({ i }) => `acceptRoutedFrom.${i}`).join(", ")}`, missing.map(({ name, i }) => ({ path: `acceptRoutedFrom.${i}`, message: `no namespace named ${name}` })));
  }
  return found.map((n) => n!.id);
}

/** Only an empty namespace may go: one with sources, keys, accounts or leads is refused. */
adminRoutes.delete("/:name", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const refusal = await deleteNamespace(c.env.DB, namespace.id);
  if (refusal) throw new ApiError(409, "namespace_not_empty", `namespace ${namespace.name} still has ${refusal}; remove them first`);
  return c.json({ deleted: namespace.name });
});

adminRoutes.post("/:name/sources", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { name } = parseOrThrow(createNamedSecretBody, await jsonBody(c));
  const { record, secret } = await createSource(c.env.DB, namespace, name);
  return c.json({ source: record, writeKey: secret }, 201);
});

/** A Lemlist or Smartlead webhook endpoint whose unrouted activity lands in this namespace. */
adminRoutes.post("/:name/webhook-sources", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { platform, name } = parseOrThrow(webhookSourceBody, await jsonBody(c));
  const { record, secret } = await createWebhookSource(c.env.DB, namespace, platform, name);
  const url = new URL(`/webhooks/${platform}/${record.id}`, c.req.url);
  url.searchParams.set("token", secret);
  return c.json({ source: { ...record, path: `/webhooks/${platform}/${record.id}` }, secret, url: url.toString() }, 201);
});

adminRoutes.get("/:name/webhook-sources", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const rows = await listWebhookSources(c.env.DB, namespace.id);
  const keys = new Map((await listKeys(c.env.DB, "webhook-source", namespace.id)).map((k) => [k.id, k]));
  return c.json({
    sources: rows.map((r) => ({
      ...keys.get(r.id),
      ...r,
      rateLimit: readRateLimit(r.rateLimit),
      path: `/webhooks/${r.platform}/${r.id}`,
      createdAt: new Date(r.createdAt).toISOString(),
    })),
    defaultRateLimit: defaultRateLimit(c.env, "webhook-source"),
  });
});

adminRoutes.get("/:name/api-keys", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  return c.json({ apiKeys: await listApiKeys(c.env.DB, namespace.id), defaultRateLimit: defaultRateLimit(c.env, "api-key") });
});

// Revoke and rotate, for each kind of key the admin token hands out (orgs: /api/orgs/:id).
for (const [path, kind] of [["sources", "write-key"], ["api-keys", "api-key"], ["webhook-sources", "webhook-source"]] as const) {
  adminRoutes.delete(`/:name/${path}/:id`, async (c) => revokeRoute(c, kind, (await namespaceNamed(c.env.DB, c.req.param("name"))).id));
  adminRoutes.post(`/:name/${path}/:id/rotate`, async (c) => rotateRoute(c, kind, (await namespaceNamed(c.env.DB, c.req.param("name"))).id));
}

adminRoutes.post("/:name/api-keys", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { name, scope } = parseOrThrow(createApiKeyBody, await jsonBody(c));
  const { record, secret } = await createApiKey(c.env.DB, namespace, name, scope);
  return c.json({ apiKey: record, key: secret }, 201);
});

adminRoutes.get("/:name/settings", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  return c.json({ retentionDays: (await loadScoringConfig(c.env.DB, namespace.id)).retentionDays });
});

/** Retention travels to the lead objects with the scoring config, so a change queues a rescore job that hands it over. */
adminRoutes.patch("/:name/settings", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { retentionDays } = parseOrThrow(namespaceSettingsBody, await jsonBody(c));
  const changed = (await changeScoring(c.env.DB, namespace.id, { kind: "retention", days: retentionDays }))!;
  await startRescore(c.env, changed.job);
  return c.json({ retentionDays, rescore: describeJob(changed.job) });
});

adminRoutes.get("/:name/sources", async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  return c.json({ sources: await listSources(c.env.DB, namespace.id), defaultRateLimit: defaultRateLimit(c.env, "source") });
});

adminRoutes.patch("/:name/sources/:id", async (c) => setRateLimit(c.env, c.req.param("name"), "source", c.req.param(), await jsonBody(c)));
adminRoutes.patch("/:name/api-keys/:id", async (c) =>
  setRateLimit(c.env, c.req.param("name"), "api-key", c.req.param(), await jsonBody(c)),
);
adminRoutes.patch("/:name/webhook-sources/:id", async (c) =>
  setRateLimit(c.env, c.req.param("name"), "webhook-source", c.req.param(), await jsonBody(c)),
);

/** Stores the key's limit in D1 (the record) and in its limiter object (which enforces it from the next request on). */
async function setRateLimit(env: Env, name: string, kind: LimitedKey["kind"], params: unknown, body: unknown): Promise<Response> {
  const namespace = await namespaceNamed(env.DB, name);
  const { id } = parseOrThrow(keyIdParam, params, `${kind} id`);
  const { rateLimit } = parseOrThrow(rateLimitBody, body);
  const found = await setKeyRateLimit(env.DB, kind, namespace.id, id, rateLimit);
  if (!found) throw new ApiError(404, "not_found", `no ${kind} ${id} in namespace ${name}`);
  await rateLimiterOf(env, { kind, id }).configure(rateLimit);
  forgetLease({ kind, id });
  return Response.json({ id, rateLimit, effective: rateLimit ?? defaultRateLimit(env, kind) });
}

async function namespaceNamed(db: D1Database, name: string) {
  const namespace = namespaceName.safeParse(name).success ? await findNamespaceByName(db, name) : undefined;
  if (!namespace) throw new ApiError(404, "not_found", `no namespace named ${name}`);
  return namespace;
}

async function withKeywords(db: D1Database, namespace: Namespace): Promise<ListedNamespace> {
  return {
    ...namespace,
    keywords: (await keywordsByNamespace(db, [namespace.id])).get(namespace.id) ?? [],
    acceptRoutedFrom: (await acceptedSources(db, [namespace.id])).get(namespace.id) ?? [],
  };
}
