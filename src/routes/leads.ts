import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { leadIdParam, leadListQuery, lookupQuery, timelineQuery } from "../schemas/management";
import { listProjectedLeads } from "../db/projection";
import { encodeListCursor, hasModelInUse, toListedLead } from "../leads/listed";
import { findLeadByIdentity } from "../db/identities";
import { normalizeEmail, type Identity } from "../ingest/normalize";
import type { LeadSummary } from "../contracts/lead-rpc";
import { eraseLead } from "../privacy/erase";
import { leadInNamespace } from "../leads/read-lead";
import { exportLead } from "../privacy/export";
import { leadStub } from "../leads/lead-stub";

/** Reads of single leads, answered by their lead objects (strongly consistent). */
export const leadRoutes = new Hono<AppEnv>();


/**
 * The namespace's leads from the D1 projection: filtered (stage, grade, score
 * and last-seen ranges, company, free text `q`), sorted on any listed column
 * either way, with keyset pagination (see listProjectedLeads for what each costs).
 */
leadRoutes.get("/", async (c) => {
  const query = parseOrThrow(leadListQuery, c.req.query(), "query");
  const [rows, predicted] = await Promise.all([
    listProjectedLeads(c.env.DB, c.var.namespace.id, { ...query, limit: query.limit + 1 }),
    hasModelInUse(c.env.DB, c.var.namespace.id),
  ]);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeListCursor(last.sortValue, last.leadId) : null;
  return c.json({ leads: page.map((row) => toListedLead(row, predicted)), nextCursor });
});

leadRoutes.get("/lookup", async (c) => {
  const query = parseOrThrow(lookupQuery, c.req.query(), "query");
  const identity: Identity = query.userId
    ? { kind: "userId", value: query.userId }
    : query.anonymousId
      ? { kind: "anonymousId", value: query.anonymousId }
      : { kind: "email", value: normalizeEmail(query.email!) };
  const namespace = c.var.namespace;
  const leadId = await findLeadByIdentity(c.env.DB, namespace.id, identity);
  if (!leadId) throw new ApiError(404, "not_found", `no lead with ${identity.kind} ${identity.value}`);
  return c.json({ lead: await shownLead(c.env, namespace.id, leadId) });
});

leadRoutes.get("/:id", async (c) => {
  const { id } = parseOrThrow(leadIdParam, c.req.param(), "lead id");
  return c.json({ lead: await shownLead(c.env, c.var.namespace.id, id) });
});

leadRoutes.get("/:id/intelligence", async (c) => {
  const { id } = parseOrThrow(leadIdParam, c.req.param(), "lead id");
  const lead = await leadInNamespace(c.env, c.var.namespace.id, id);
  const intelligence = await leadStub(c.env, id).intelligence();
  return c.json({ leadId: lead.id, stage: lead.stage, score: lead.score, stageChanges: lead.stageChanges, ...intelligence });
});

leadRoutes.get("/:id/timeline", async (c) => {
  const { id } = parseOrThrow(leadIdParam, c.req.param(), "lead id");
  const { limit, cursor } = parseOrThrow(timelineQuery, c.req.query(), "query");
  await leadInNamespace(c.env, c.var.namespace.id, id);
  return c.json(await leadStub(c.env, id).timeline(limit, cursor));
});

/** Erases the lead everywhere and suppresses its identities (see src/privacy/erase.ts); safe to repeat until it answers 404. */
leadRoutes.delete("/:id", async (c) => {
  const { id } = parseOrThrow(leadIdParam, c.req.param(), "lead id");
  const lead = await leadInNamespace(c.env, c.var.namespace.id, id);
  const erased = await eraseLead(c.env, c.var.namespace.id, lead.id);
  if (!erased) throw new ApiError(404, "not_found", `no lead ${id}`);
  return c.json({ erased: erased.leadId, identitiesSuppressed: erased.identitiesSuppressed, objectsErased: erased.objectsErased });
});

/** Everything held about the lead, in one JSON document. */
leadRoutes.get("/:id/export", async (c) => {
  const { id } = parseOrThrow(leadIdParam, c.req.param(), "lead id");
  const lead = await leadInNamespace(c.env, c.var.namespace.id, id);
  const held = await leadStub(c.env, lead.id).exportData();
  if (!held) throw new ApiError(404, "not_found", `no lead ${id}`);
  c.header("Content-Disposition", `attachment; filename="lead-${lead.id}.json"`);
  return c.json(await exportLead(c.env, lead, held));
});

/** The lead's outbox: rows pending for destinations, the batch in flight, and batches parked after failing every try. */
leadRoutes.get("/:id/outbox", async (c) => {
  const { id } = parseOrThrow(leadIdParam, c.req.param(), "lead id");
  const lead = await leadInNamespace(c.env, c.var.namespace.id, id);
  return c.json({ leadId: lead.id, outbox: await leadStub(c.env, lead.id).outboxStatus() });
});

/** Sends the lead's parked outbox batches again, ahead of what came after them. */
leadRoutes.post("/:id/outbox/retry", async (c) => {
  const { id } = parseOrThrow(leadIdParam, c.req.param(), "lead id");
  const lead = await leadInNamespace(c.env, c.var.namespace.id, id);
  return c.json({ leadId: lead.id, retrying: await leadStub(c.env, lead.id).retryParkedOutbox() }, 202);
});

/** The lead as the API shows it: its conversion probability only while the namespace has a model in use (as in lists). */
async function shownLead(env: Env, namespaceId: string, id: string): Promise<LeadSummary> {
  const [lead, predicted] = await Promise.all([leadInNamespace(env, namespaceId, id), hasModelInUse(env.DB, namespaceId)]);
  return predicted ? lead : { ...lead, conversionProbability: null, conversionFeatures: [] };
}
