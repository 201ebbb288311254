/**
 * The Lead Scoring System's API (seed 003), mounted at /compat/lead-scoring.
 * Each route maps the seed's request to a core call and the core's answer to
 * the seed's shape (see shapes.ts); scoring, ordering and idempotency are the
 * core's (lead objects).
 */
import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { ingestForNamespace, parseSeed, rejectionError, seedBody, seedErrors } from "../shared";
import { resolveSeedLead, wholeTimeline } from "../leads";
import { leadStub } from "../../leads/lead-stub";
import { listProjectedLeads, namespaceStats } from "../../db/projection";
import { changeScoring, listRules } from "../../db/scoring";
import { startRescore } from "../../queues/rescore";
import { createAutomation, listAutomations, type Automation } from "../../db/automations";
import { redactAction } from "../../automations/action-secrets";
import { automationBody } from "../../schemas/destinations";
import { assertOutboundUrls } from "../../outbound/fetch";
import { MAX_MESSAGE_BYTES } from "../../schemas/segment";
import { canonicalEventName } from "../../scoring/event-name";
import { lssAutomation, lssEvent, lssEventBatch, lssLeaderboard, lssLeadList, lssNewLead, lssScoringRule } from "./schemas";
import { newLeadMessage, newSeedLeadId, seedIntelligence, seedLead, seedListedLead, seedRules, seedTimeline, toSegmentMessage } from "./shapes";
import type { ProjectedLead } from "../../db/projection";

export const leadScoringCompat = new Hono<AppEnv>();
leadScoringCompat.onError(seedErrors("plain"));

leadScoringCompat.get("/api/health", (c) => c.json({ status: "ok", timestamp: new Date().toISOString() }));
// The seed's worker health check: events are processed inside the lead objects, so the worker is this Worker.
leadScoringCompat.get("/health", (c) => c.json({ status: "ok", service: "worker", timestamp: new Date().toISOString() }));


leadScoringCompat.post("/api/events", async (c) => {
  const event = await seedBody(c, lssEvent, MAX_MESSAGE_BYTES);
  const eventId = event.eventId ?? crypto.randomUUID();
  const outcome = await ingestForNamespace(c, [toSegmentMessage(event, eventId)]);
  const rejected = rejectionError(outcome, () => "(body)");
  if (rejected) throw rejected;
  return c.json({ message: "Event queued for processing", eventId }, 202);
});

leadScoringCompat.post("/api/events/batch", async (c) => {
  const { events } = await seedBody(c, lssEventBatch);
  const outcome = await ingestForNamespace(
    c,
    events.map((e) => toSegmentMessage(e, e.eventId ?? crypto.randomUUID())),
  );
  const rejected = rejectionError(outcome, (i) => `events.${i}`);
  if (rejected && outcome.accepted === 0) throw rejected;
  const count = outcome.accepted + outcome.suppressed;
  return c.json({ message: `${count} events queued`, count, ...(rejected ? { rejected: rejected.details } : {}) }, 202);
});

leadScoringCompat.post("/api/leads", async (c) => {
  const input = await seedBody(c, lssNewLead, MAX_MESSAGE_BYTES);
  const id = newSeedLeadId();
  const outcome = await ingestForNamespace(c, [newLeadMessage(id, input)]);
  const rejected = rejectionError(outcome, () => "(body)");
  if (rejected) throw rejected;
  const found = await resolveSeedLead(c.env, c.var.namespace.id, id);
  if (!found) throw new ApiError(500, "internal_error", "the lead was stored but cannot be read back yet; retry GET /api/leads/" + id);
  return c.json(seedLead(id, found.lead, null), 201);
});

leadScoringCompat.get("/api/leads", async (c) => {
  const { page, limit, stage } = parseSeed(lssLeadList, c.req.query(), "query");
  const namespaceId = c.var.namespace.id;
  const [rows, stats] = await Promise.all([
    listProjectedLeads(c.env.DB, namespaceId, { sort: "score", limit, stage, offset: (page - 1) * limit }),
    namespaceStats(c.env.DB, namespaceId),
  ]);
  const total = stage ? (stats.byStage[stage] ?? 0) : stats.leads;
  return c.json({ leads: await withProfiles(c.env, rows), page, limit, total, pages: Math.ceil(total / limit) });
});

leadScoringCompat.get("/api/leads/:id", async (c) => {
  const { id, found } = await leadOf(c.env, c.var.namespace.id, c.req.param("id"));
  return c.json(seedLead(id, found.lead, await leadStub(c.env, found.leadId).intelligence()));
});

leadScoringCompat.get("/api/leads/:id/timeline", async (c) => {
  const { found } = await leadOf(c.env, c.var.namespace.id, c.req.param("id"));
  return c.json(seedTimeline(await wholeTimeline(c.env, found.leadId)));
});

leadScoringCompat.get("/api/leads/:id/intelligence", async (c) => {
  const { found } = await leadOf(c.env, c.var.namespace.id, c.req.param("id"));
  const intelligence = await leadStub(c.env, found.leadId).intelligence();
  if (!intelligence) throw new ApiError(404, "not_found", `no lead ${c.req.param("id")}`);
  return c.json(seedIntelligence(intelligence));
});

leadScoringCompat.get("/api/leaderboard", async (c) => {
  const { limit } = parseSeed(lssLeaderboard, c.req.query(), "query");
  const rows = await listProjectedLeads(c.env.DB, c.var.namespace.id, { sort: "score", limit });
  return c.json((await withProfiles(c.env, rows)).map((lead, i) => ({ rank: i + 1, ...lead })));
});

leadScoringCompat.get("/api/leaderboard/by-stage", async (c) => {
  const { byStage } = await namespaceStats(c.env.DB, c.var.namespace.id);
  return c.json({ cold: byStage.cold ?? 0, warm: byStage.warm ?? 0, hot: byStage.hot ?? 0, qualified: byStage.qualified ?? 0 });
});

leadScoringCompat.get("/api/scoring-rules", async (c) => c.json(seedRules(await listRules(c.env.DB, c.var.namespace.id))));

/** A rule for an event type; like every core scoring change it bumps the version and rescores the namespace's leads. */
leadScoringCompat.post("/api/scoring-rules", async (c) => {
  const input = await seedBody(c, lssScoringRule, MAX_MESSAGE_BYTES);
  const rule = { event: canonicalEventName(input.eventType), points: input.points, conditions: [], cap: null };
  const changed = (await changeScoring(c.env.DB, c.var.namespace.id, { kind: "create", rule }))!;
  await startRescore(c.env, changed.job);
  return c.json({ _id: changed.rule!.id, eventType: rule.event, points: rule.points, description: input.description ?? null, rescoreJobId: changed.job.id }, 201);
});

leadScoringCompat.get("/api/automations", async (c) => c.json((await listAutomations(c.env.DB, c.var.namespace.id)).flatMap(seedAutomation)));

leadScoringCompat.post("/api/automations", async (c) => {
  const input = await seedBody(c, lssAutomation, MAX_MESSAGE_BYTES);
  // The core's own checks: its automation schema, and the one guard for every URL a tenant sets.
  const native = parseSeed(automationBody, {
    name: input.name,
    trigger: { type: "stage_becomes", stage: input.whenStage, ...(input.minVelocity !== undefined ? { minVelocity: input.minVelocity } : {}) },
    action: input.action === "webhook" ? { type: "webhook", url: input.config.url } : { type: "slack", webhookUrl: input.config.url },
  });
  assertOutboundUrls(c.env, { "config.url": input.config.url });
  const created = await createAutomation(c.env.DB, c.var.namespace.id, native);
  return c.json(seedAutomation(created)[0], 201);
});

/**
 * Automations made natively with other triggers have no seed shape and are
 * left out of the seed's list. A Slack URL is the credential: shown as its
 * hint, like every secret in every answer.
 */
function seedAutomation(automation: Automation) {
  const { trigger } = automation;
  const action = redactAction(automation.action) as { type: string; url?: string; webhookUrl?: string };
  if (trigger.type !== "stage_becomes" || action.type === "destination") return [];
  return [
    {
      _id: automation.id,
      name: automation.name,
      action: action.type,
      whenStage: trigger.stage,
      minVelocity: trigger.minVelocity ?? 0,
      config: { url: action.type === "webhook" ? action.url : action.webhookUrl, method: "POST" },
      enabled: automation.enabled,
    },
  ];
}

async function leadOf(env: Env, namespaceId: string, id: string) {
  const found = await resolveSeedLead(env, namespaceId, id);
  if (!found) throw new ApiError(404, "not_found", `no lead ${id}`);
  return { id, found };
}

/** Names and companies live in the lead objects: one summary call per listed lead (lists hold at most 100). */
async function withProfiles(env: Env, rows: readonly ProjectedLead[]) {
  const summaries = await Promise.all(rows.map((row) => leadStub(env, row.leadId).summary().catch(() => null)));
  return rows.map((row, i) => seedListedLead(row, summaries[i]?.profile));
}
