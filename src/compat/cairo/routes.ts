/**
 * Cairo's API (seeds 000 and 004), mounted at /compat/cairo: events,
 * namespaces, full sync, health and the integration tests, each mapped onto
 * the core (ingest pipeline, tenants and keywords, sync jobs, enrichment
 * providers). Answers carry Cairo's `success` flag.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { ApiError, validationError } from "../../http/errors";
import { ingestForNamespace, parseSeed, rejectionError, seedBody, seedErrors } from "../shared";
import { cairoNamespace, ensureHub, findHub, hubName, operatorGroup } from "./hub";
import { createNamespace, findNamespaceByName, type Namespace } from "../../db/tenants";
import { acceptedSourceIds, acceptedSources, keywordsByNamespace, listAccounts, setAcceptedSources, setKeywords } from "../../outreach/store";
import { namespaceStats } from "../../db/projection";
import { busyAccounts, cancelSyncJob, getSyncJob, listSyncJobs, tasksOf } from "../../outreach/sync-store";
import { createNamespaceWithKeywordsBody, updateNamespaceBody } from "../../schemas/management";
import { syncJobBody } from "../../schemas/sync";
import { refuseTakenKeywords } from "../../outreach/keywords";
import { assertOutboundUrls } from "../../outbound/fetch";
import { accountsForRequest, startSyncJob } from "../../outreach/sync-jobs";
import { describeSyncJob } from "../../outreach/job-view";
import { sendJobCallback } from "../../outreach/callback";
import { runProviderChain } from "../../enrichment/chain";
import { apolloProvider } from "../../enrichment/apollo";
import { hunterProvider } from "../../enrichment/hunter";
import type { EnrichmentProvider } from "../../enrichment/types";
import { MAX_MESSAGE_BYTES } from "../../schemas/segment";
import { normalizeEmail } from "../../ingest/normalize";
import {
  cairoBatch,
  cairoFullSync,
  cairoIdentify,
  cairoJobList,
  cairoNamespaceBody,
  cairoNamespaceUpdate,
  cairoProviderTest,
  cairoTrack,
  seedFieldPath,
  toCoreSyncRequest,
  type CairoTrack,
} from "./schemas";
import { seedJobStarted, seedJobStatus } from "./shapes";
import { cairoOperations } from "./operations";
import { cairoLegacySync } from "./legacy";

export const cairoCompat = new Hono<AppEnv>();
cairoCompat.onError(seedErrors("success-flag"));

const LIBRARY = { name: "leadflare-compat-cairo" };

cairoCompat.get("/health", (c) => c.json({ status: "healthy", timestamp: new Date().toISOString() }));
cairoCompat.get("/health/simple", (c) => c.text("OK"));
// Which enrichment providers are configured is told only to a caller with a key (the policy lets anyone else in too).
cairoCompat.get("/health/detailed", async (c) => {
  const database = await databaseCheck(c.env);
  const services = { database: database.ok ? "connected" : "error", ...(c.var.credential ? { enrichment: providersConfigured(c.env) } : {}) };
  return c.json({ status: database.ok ? "healthy" : "degraded", timestamp: new Date().toISOString(), services }, database.ok ? 200 : 503);
});

cairoCompat.route("/", cairoOperations);
cairoCompat.route("/", cairoLegacySync);

// ---- Events: Cairo identifies people by email; each becomes a lead (anonymousId `email:<email>`, joined with the email's other activity by identity resolution).

/** A Cairo user as a Segment identity: its email, as trait and as the anonymousId that routes it. */
function personOf(email: string) {
  const normal = normalizeEmail(email);
  return { anonymousId: `email:${normal}`, context: { traits: { email: normal }, library: LIBRARY } };
}

function trackMessage(event: CairoTrack) {
  return {
    type: "track",
    ...personOf(event.user_email),
    event: event.event,
    properties: event.properties ?? {},
    ...(event.timestamp ? { timestamp: event.timestamp } : {}),
    ...(event.event_id ? { messageId: event.event_id } : {}),
  };
}

cairoCompat.post("/api/events/track", async (c) => {
  const event = await seedBody(c, cairoTrack, MAX_MESSAGE_BYTES);
  const outcome = await ingestForNamespace(c, [trackMessage(event)], await cairoNamespace(c));
  const rejected = rejectionError(outcome, () => "(body)");
  if (rejected) throw rejected;
  const stored = outcome.stored[0];
  return c.json({ success: true, message: "Event tracked", data: { event: event.event, user_email: normalizeEmail(event.user_email), duplicate: outcome.duplicates > 0, leadId: stored?.leadId ?? null } });
});

cairoCompat.post("/api/events/identify", async (c) => {
  const body = await seedBody(c, cairoIdentify, MAX_MESSAGE_BYTES);
  const person = personOf(body.user_email);
  const traits = { ...body.properties, ...body.traits, email: person.context.traits.email };
  const outcome = await ingestForNamespace(c, [{ type: "identify", ...person, traits, ...(body.timestamp ? { timestamp: body.timestamp } : {}) }], await cairoNamespace(c));
  const rejected = rejectionError(outcome, () => "(body)");
  if (rejected) throw rejected;
  return c.json({ success: true, message: "User identified", data: { user_email: traits.email } });
});

cairoCompat.post("/api/events/batch", async (c) => {
  const { events } = await seedBody(c, cairoBatch);
  const outcome = await ingestForNamespace(c, events.map(trackMessage), await cairoNamespace(c));
  const rejected = rejectionError(outcome, (i) => `events.${i}`);
  if (rejected && outcome.accepted === 0) throw rejected;
  return c.json({
    success: true,
    message: `${outcome.accepted} events processed`,
    data: { processed: outcome.accepted, duplicates: outcome.duplicates, failed: outcome.rejected.length, ...(rejected ? { errors: rejected.details } : {}) },
  });
});

cairoCompat.get("/api/events/stats", async (c) => {
  const namespace = await cairoNamespace(c);
  const stats = await namespaceStats(c.env.DB, namespace.id);
  return c.json({ success: true, data: { namespace: namespace.name, totalEvents: stats.events, totalUsers: stats.leads, averageScore: stats.averageScore, lastEventAt: stats.lastActivity, byStage: stats.byStage } });
});

cairoCompat.get("/api/events/health", (c) => c.json({ success: true, status: "healthy", service: "event-tracking" }));

// ---- Namespaces: the operator (admin token) creates its clients, which accept the hub's routed activity, and sees its group;
// a key sees its own namespace. Changing keywords takes the admin token too.

cairoCompat.get("/api/namespaces", async (c) => {
  const visible = c.var.caller.kind === "admin" ? await operatorGroup(c.env) : [c.var.caller.namespace];
  return c.json({ success: true, data: await seedNamespaces(c.env.DB, visible) });
});

/** A client of the operator's hub: its keywords route the hub's campaigns to it (it accepts the hub's routed activity). Named as the hub, the hub itself. */
cairoCompat.post("/api/namespaces", async (c) => {
  const body = await seedBody(c, cairoNamespaceBody, MAX_MESSAGE_BYTES);
  const { name, keywords } = parseSeed(createNamespaceWithKeywordsBody, { name: body.name, keywords: body.keywords });
  if (await findNamespaceByName(c.env.DB, name)) throw new ApiError(409, "conflict", `namespace ${name} already exists`);
  await refuseTakenKeywords(c.env.DB, null, keywords);
  const hub = name === hubName(c.env) ? undefined : await ensureHub(c.env);
  const namespace = await createNamespace(c.env.DB, name);
  await setKeywords(c.env.DB, namespace.id, keywords);
  if (hub) await setAcceptedSources(c.env.DB, namespace.id, [hub.id]);
  return c.json({ success: true, data: (await seedNamespaces(c.env.DB, [namespace]))[0] }, 201);
});

cairoCompat.get("/api/namespaces/:name", async (c) => {
  const namespace = await visibleNamespace(c, c.req.param("name"));
  return c.json({ success: true, data: (await seedNamespaces(c.env.DB, [namespace]))[0] });
});

cairoCompat.put("/api/namespaces/:name", async (c) => {
  const namespace = await visibleNamespace(c, c.req.param("name"));
  const body = await seedBody(c, cairoNamespaceUpdate, MAX_MESSAGE_BYTES);
  // The seed's body always carries keywords (cairoNamespaceUpdate requires them).
  const keywords = parseSeed(updateNamespaceBody, body).keywords ?? [];
  await refuseTakenKeywords(c.env.DB, namespace.id, keywords);
  await setKeywords(c.env.DB, namespace.id, keywords);
  return c.json({ success: true, data: (await seedNamespaces(c.env.DB, [namespace]))[0] });
});

cairoCompat.get("/api/namespaces/:name/stats", async (c) => {
  const namespace = await visibleNamespace(c, c.req.param("name"));
  const stats = await namespaceStats(c.env.DB, namespace.id);
  return c.json({ success: true, data: { namespace: namespace.name, totalUsers: stats.leads, totalEvents: stats.events, averageScore: stats.averageScore, lastActivity: stats.lastActivity, byStage: stats.byStage, byGrade: stats.byGrade } });
});

/** Cairo's namespace rows, with the core's route acceptance beside the keywords. */
async function seedNamespaces(db: D1Database, list: readonly Namespace[]) {
  const ids = list.map((n) => n.id);
  const [keywords, accepted] = await Promise.all([keywordsByNamespace(db, ids), acceptedSources(db, ids)]);
  return list.map((n) => ({ id: n.id, name: n.name, keywords: keywords.get(n.id) ?? [], acceptRoutedFrom: accepted.get(n.id) ?? [], is_active: true }));
}

/** A key's own namespace, or any for the admin token; others are not found. */
async function visibleNamespace(c: Context<AppEnv>, name: string): Promise<Namespace> {
  const caller = c.var.caller;
  const namespace = caller.kind === "admin" ? await findNamespaceByName(c.env.DB, name) : caller.namespace.name === name ? caller.namespace : undefined;
  if (!namespace) throw new ApiError(404, "not_found", `no namespace named ${name}`);
  return namespace;
}

// ---- Full sync: the core's sync jobs. `execute` starts the same job as `execute-async` (a Worker does not hold a request open for an import).

/**
 * The core's job request. The operator's "all" (admin token) is its hub,
 * whose sync routes to every client; a client named runs on the hub's
 * accounts, kept to the campaigns routed to it (the core's sync scope).
 */
async function coreSyncRequest(c: Context<AppEnv>) {
  const body = await seedBody(c, cairoFullSync, MAX_MESSAGE_BYTES);
  const core = toCoreSyncRequest(body);
  if (c.var.caller.kind === "admin" && (core.namespaces ?? "all") === "all") core.namespaces = [(await findHub(c.env)).name];
  const parsed = syncJobBody.safeParse(core);
  if (!parsed.success) {
    const error = validationError(parsed.error, "sync configuration");
    const details = (error.details as { path: string; message: string }[]).map((d) => ({ ...d, path: seedFieldPath(d.path) }));
    throw new ApiError(400, "SYNC_001", `invalid sync configuration: ${details.map((d) => d.path).join(", ")}`, details);
  }
  assertOutboundUrls(c.env, { callbackUrl: parsed.data.callbackUrl });
  return parsed.data;
}

async function startFullSync(c: Context<AppEnv>) {
  const request = await coreSyncRequest(c);
  const { job, tasks } = await startSyncJob(c.env, c.var.caller, request).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 409) throw new ApiError(409, "SYNC_003", error.message, error.details);
    throw error;
  });
  return seedJobStarted(describeSyncJob(job, tasks));
}

cairoCompat.post("/api/full-sync/execute", async (c) => c.json(await startFullSync(c)));
cairoCompat.post("/api/full-sync/execute-async", async (c) => c.json(await startFullSync(c), 202));

cairoCompat.get("/api/full-sync/status/:jobId", async (c) => {
  const job = await ownJob(c, c.req.param("jobId"));
  return c.json(seedJobStatus(describeSyncJob(job, await tasksOf(c.env.DB, [job.id]))));
});

cairoCompat.delete("/api/full-sync/cancel/:jobId", async (c) => {
  const job = await ownJob(c, c.req.param("jobId"));
  const cancelled = await cancelSyncJob(c.env.DB, job.id);
  if (!cancelled) throw new ApiError(409, "SYNC_003", `sync job ${job.id} already ended (${job.status})`);
  await sendJobCallback(c.env.DB, cancelled);
  return c.json({ success: true, jobId: job.id, status: "cancelled", message: "Sync operation cancelled successfully" });
});

cairoCompat.get("/api/full-sync/jobs", async (c) => {
  const { limit, status } = parseSeed(cairoJobList, c.req.query(), "query");
  const jobs = await listSyncJobs(c.env.DB, ownerScope(c), limit, status);
  const tasks = await tasksOf(c.env.DB, jobs.map((j) => j.id));
  const shown = jobs.map((job) => seedJobStatus(describeSyncJob(job, tasks.filter((t) => t.jobId === job.id))).data);
  return c.json({ success: true, data: { jobs: shown, total: shown.length, limit, status: status ?? null } });
});

cairoCompat.get("/api/full-sync/health", async (c) => {
  const [running, database] = await Promise.all([listSyncJobs(c.env.DB, ownerScope(c), 200, "in_progress"), databaseCheck(c.env)]);
  return c.json({ success: true, data: { status: database.ok ? "healthy" : "degraded", activeJobs: running.length, database: database.ok ? "connected" : "error", platforms: { lemlist: "available", smartlead: "available" } } });
});

/** The namespaces a sync may name, each with the platforms it syncs from: its own accounts' and its hub's. */
cairoCompat.get("/api/full-sync/namespaces", async (c) => {
  const visible = c.var.caller.kind === "admin" ? await operatorGroup(c.env) : [c.var.caller.namespace];
  const hubs = await acceptedSourceIds(c.env.DB, visible.map((n) => n.id));
  const owners = (n: Namespace) => [n.id, ...(hubs.get(n.id) ?? [])];
  const accounts = await listAccounts(c.env.DB, [...new Set(visible.flatMap(owners))]);
  const data = visible.map((n) => ({ name: n.name, platforms: [...new Set(accounts.filter((a) => owners(n).includes(a.namespaceId)).map((a) => a.platform))] }));
  return c.json({ success: true, data: { namespaces: data, total: data.length } });
});

cairoCompat.post("/api/full-sync/config/validate", async (c) => {
  const request = await coreSyncRequest(c);
  const accounts = await accountsForRequest(c.env.DB, c.var.caller, request);
  const busy = await busyAccounts(c.env.DB, accounts.map((a) => a.id));
  const warnings: string[] = [];
  if (accounts.length === 0) warnings.push(`no connected ${request.platforms.join(" or ")} account in the chosen namespaces`);
  if (busy.length > 0) warnings.push(`a sync is running for ${busy.length} of the accounts; starting now would answer 409`);
  return c.json({ success: true, data: { valid: accounts.length > 0 && busy.length === 0, errors: [], warnings, config: request, accounts: accounts.length } });
});

function ownerScope(c: Context<AppEnv>): string | null {
  return c.var.caller.kind === "admin" ? null : c.var.caller.namespace.id;
}

async function ownJob(c: Context<AppEnv>, id: string) {
  const job = /^[0-9a-f-]{36}$/.test(id) ? await getSyncJob(c.env.DB, id) : undefined;
  const owner = ownerScope(c);
  if (!job || (owner !== null && job.ownerNamespaceId !== owner)) throw new ApiError(404, "SYNC_002", `sync job not found: ${id}`);
  return job;
}

// ---- Integration tests and health.

cairoCompat.get("/api/test/database", async (c) => {
  const check = await databaseCheck(c.env);
  return c.json({ success: check.ok, database: check.ok ? "connected" : "error", latencyMs: check.ms }, check.ok ? 200 : 503);
});

cairoCompat.get("/api/test/health", async (c) => {
  const database = await databaseCheck(c.env);
  return c.json({ success: true, services: { database: database.ok ? "connected" : "error", ...providersConfigured(c.env) } });
});

cairoCompat.post("/api/test/apollo", async (c) => testProvider(c, apolloProvider));
cairoCompat.post("/api/test/hunter", async (c) => testProvider(c, hunterProvider));

/** One provider of the core's enrichment chain, asked directly (its rate limit and counters apply); unconfigured answers 503 as Cairo does without the key. */
async function testProvider(c: Context<AppEnv>, provider: EnrichmentProvider) {
  const { email } = await seedBody(c, cairoProviderTest, MAX_MESSAGE_BYTES);
  if (!provider.apiKey(c.env)) {
    throw new ApiError(503, "not_configured", `${provider.name} is not configured: set ${provider.name.toUpperCase()}_API_KEY`);
  }
  const found = await runProviderChain(c.env, normalizeEmail(email), 0, [provider]);
  return c.json({ success: true, provider: provider.name, email: normalizeEmail(email), found: found !== null, data: found?.answer ?? null });
}

function providersConfigured(env: Env) {
  return {
    apollo: env.APOLLO_API_KEY ? "configured" : "not_configured",
    hunter: env.HUNTER_API_KEY ? "configured" : "not_configured",
    llm: env.LLM_API_KEY ? "configured" : "not_configured",
  };
}

async function databaseCheck(env: Env): Promise<{ ok: boolean; ms: number }> {
  const started = Date.now();
  try {
    await env.DB.prepare("SELECT 1").first();
    return { ok: true, ms: Date.now() - started };
  } catch {
    return { ok: false, ms: Date.now() - started };
  }
}
