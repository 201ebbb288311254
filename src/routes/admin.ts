import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { requireAdmin, requireNamespace } from "../http/auth";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import {
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
  listSources,
  setApiKeyRateLimit,
  setSourceRateLimit,
  type Namespace,
} from "../db/tenants";
import { namespaceStats } from "../db/projection";
import { suppressionStats } from "../db/suppression";
import { changeScoring, loadScoringConfig } from "../db/scoring";
import { defaultRateLimit, forgetLease, rateLimiterOf, type LimitedKey } from "../http/rate-limit";
import { describeJob, startRescore } from "./scoring";
import { createWebhookSource, keywordsByNamespace, keywordsTakenElsewhere, listWebhookSources, setKeywords } from "../db/outreach";

/** Tenancy administration: only the admin token may list and create namespaces, sources and keys. */
export const adminRoutes = new Hono<AppEnv>();

/** A namespace's own API key may read its stats; the admin token any namespace's. */
adminRoutes.get("/:name/stats", requireNamespace, async (c) => {
  if (c.var.namespace.name !== c.req.param("name")) throw new ApiError(404, "not_found", `no namespace named ${c.req.param("name")}`);
  const [stats, suppression] = await Promise.all([namespaceStats(c.env.DB, c.var.namespace.id), suppressionStats(c.env.DB, c.var.namespace.id)]);
  return c.json({ namespace: c.var.namespace.name, ...stats, suppression });
});

adminRoutes.get("/", requireAdmin, async (c) => {
  const all = await listNamespaces(c.env.DB);
  const keywords = await keywordsByNamespace(c.env.DB, all.map((n) => n.id));
  return c.json({ namespaces: all.map((n) => ({ ...n, keywords: keywords.get(n.id) ?? [] })) });
});

adminRoutes.post("/", requireAdmin, async (c) => {
  const { name, keywords } = parseOrThrow(createNamespaceWithKeywordsBody, await c.req.json().catch(() => undefined));
  if (await findNamespaceByName(c.env.DB, name)) throw new ApiError(409, "conflict", `namespace ${name} already exists`);
  await refuseTakenKeywords(c.env.DB, null, keywords);
  const namespace = await createNamespace(c.env.DB, name);
  await setKeywords(c.env.DB, namespace.id, keywords);
  return c.json({ namespace: { ...namespace, keywords } }, 201);
});

adminRoutes.get("/:name", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  return c.json({ namespace: await withKeywords(c.env.DB, namespace) });
});

/** Replaces the namespace's campaign-name keywords. */
adminRoutes.patch("/:name", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { keywords } = parseOrThrow(updateNamespaceBody, await c.req.json().catch(() => undefined));
  await refuseTakenKeywords(c.env.DB, namespace.id, keywords);
  await setKeywords(c.env.DB, namespace.id, keywords);
  return c.json({ namespace: { ...namespace, keywords } });
});

/** Only an empty namespace may go: one with sources, keys, accounts or leads is refused. */
adminRoutes.delete("/:name", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const refusal = await deleteNamespace(c.env.DB, namespace.id);
  if (refusal) throw new ApiError(409, "namespace_not_empty", `namespace ${namespace.name} still has ${refusal}; remove them first`);
  return c.json({ deleted: namespace.name });
});

adminRoutes.post("/:name/sources", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { name } = parseOrThrow(createNamedSecretBody, await c.req.json().catch(() => undefined));
  const { record, secret } = await createSource(c.env.DB, namespace, name);
  return c.json({ source: record, writeKey: secret }, 201);
});

/** A Lemlist or Smartlead webhook endpoint whose unrouted activity lands in this namespace. */
adminRoutes.post("/:name/webhook-sources", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const { platform, name } = parseOrThrow(webhookSourceBody, await c.req.json().catch(() => undefined));
  const { record, secret } = await createWebhookSource(c.env.DB, namespace, platform, name);
  const url = new URL(`/webhooks/${platform}/${record.id}`, c.req.url);
  url.searchParams.set("token", secret);
  return c.json({ source: { ...record, path: `/webhooks/${platform}/${record.id}` }, secret, url: url.toString() }, 201);
});

adminRoutes.get("/:name/webhook-sources", requireAdmin, async (c) => {
  const namespace = await namespaceNamed(c.env.DB, c.req.param("name"));
  const rows = await listWebhookSources(c.env.DB, namespace.id);
  return c.json({
    sources: rows.map((r) => ({ ...r, path: `/webhooks/${r.platform}/${r.id}`, createdAt: new Date(r.createdAt).toISOString() })),
  });
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
  forgetLease({ kind, id });
  return Response.json({ id, rateLimit, effective: rateLimit ?? defaultRateLimit(env, kind) });
}

async function namespaceNamed(db: D1Database, name: string) {
  const namespace = namespaceName.safeParse(name).success ? await findNamespaceByName(db, name) : undefined;
  if (!namespace) throw new ApiError(404, "not_found", `no namespace named ${name}`);
  return namespace;
}

async function withKeywords(db: D1Database, namespace: Namespace) {
  return { ...namespace, keywords: (await keywordsByNamespace(db, [namespace.id])).get(namespace.id) ?? [] };
}

/** A keyword routes to one namespace only, so a match is never a tie between two. */
export async function refuseTakenKeywords(db: D1Database, namespaceId: string | null, keywords: readonly string[]): Promise<void> {
  const taken = await keywordsTakenElsewhere(db, namespaceId, keywords);
  if (taken.length === 0) return;
  throw new ApiError(
    409,
    "keyword_taken",
    `keyword already routes to another namespace: ${taken.map((t) => `"${t.keyword}" (${t.namespace})`).join(", ")}`,
    taken.map((t) => ({ path: `keywords`, message: `"${t.keyword}" belongs to namespace ${t.namespace}` })),
  );
}
