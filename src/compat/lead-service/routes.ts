/**
 * The Lead Service's API (seed 002), mounted at /compat/lead-service, over
 * the core's buffer, served-lead registry, enrichment cache and cursors.
 * The one change of meaning: `/buffer/next` serves on pull, as the seed
 * documents (the native API claims and waits for an ack instead).
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { acknowledgeLead, claimNext, pushLeads, servedLeads } from "../../lead-service/buffer";
import { readCursor, writeCursor } from "../../lead-service/cursors";
import { EnrichmentBusy } from "../../enrichment/enrich";
import { enrichForOrg } from "../../enrichment/org-answer";
import { bufferPushBody, cursorBody, cursorParam, enrichBody, idempotencyKey, servedLeadsQuery } from "../../schemas/lead-service";
import { parseSeed, seedBody, seedErrors } from "../shared";
import { seedBufferedLead, seedEnrichment, seedServedLead } from "./shapes";
import { bufferedLeadId, enrichmentId } from "./ids";
import { config } from "../../config";

export const leadServiceCompat = new Hono<AppEnv>();
leadServiceCompat.onError(seedErrors("plain"));

leadServiceCompat.get("/health", (c) => c.json({ status: "ok" }));

leadServiceCompat.post("/buffer/push", async (c) => {
  const push = await seedBody(c, bufferPushBody);
  if (push.clerkOrgId !== c.var.org.clerkOrgId) {
    throw new ApiError(403, "forbidden", "clerkOrgId is not this key's organisation", [{ path: "clerkOrgId", message: "does not match X-Org-Id" }]);
  }
  const { buffered, skippedAlreadyServed } = await pushLeads(c.env.DB, c.var.org.id, push, Date.now());
  return c.json({ buffered, skippedAlreadyServed });
});

const nextBody = z.object({ namespace: z.string().trim().min(1).max(200), parentRunId: z.string().trim().min(1).max(200).optional() });

/**
 * Served on pull: the core's claim and ack in one call, so a pulled lead is
 * never handed out or buffered again. A retry with the same parentRunId and
 * Idempotency-Key gets the same lead back.
 */
leadServiceCompat.post("/buffer/next", async (c) => {
  const { namespace, parentRunId } = await seedBody(c, nextBody);
  const key = parseSeed(idempotencyKey, c.req.header("Idempotency-Key"), "Idempotency-Key header");
  const runId = parentRunId ?? `compat-${crypto.randomUUID()}`;
  const now = Date.now();
  const claim = await claimNext(c.env.DB, c.var.org.id, { namespace, parentRunId: runId, claimMs: config(c.env).bufferClaimSeconds * 1000, idempotencyKey: key }, now);
  if (!claim) return c.json({ found: false });
  await acknowledgeLead(c.env.DB, c.var.org.id, namespace, claim.lead.id, runId, now);
  return c.json({ found: true, lead: seedBufferedLead(claim.lead, await bufferedLeadId(c.var.org.id, claim.lead.id), c.var.org.clerkOrgId) });
});

leadServiceCompat.post("/enrich", async (c) => {
  const { email } = await seedBody(c, enrichBody);
  try {
    const result = await enrichForOrg(c.env, c.var.org.id, email);
    return c.json(seedEnrichment(result, await enrichmentId(result.email)));
  } catch (error) {
    if (error instanceof EnrichmentBusy) {
      c.header("Retry-After", "5");
      throw new ApiError(503, "lookup_in_progress", `${error.message}; retry in a few seconds`);
    }
    throw error;
  }
});

leadServiceCompat.get("/leads", async (c) => {
  const query = parseSeed(servedLeadsQuery, c.req.query(), "query");
  if (query.clerkOrgId !== undefined && query.clerkOrgId !== c.var.org.clerkOrgId) return c.json({ leads: [] });
  const { leads } = await servedLeads(c.env.DB, c.var.org.id, query);
  const ids = await Promise.all(leads.map((lead) => bufferedLeadId(c.var.org.id, lead.id)));
  return c.json({ leads: leads.map((lead, i) => seedServedLead(lead, ids[i]!, c.var.org.clerkOrgId)) });
});

leadServiceCompat.get("/cursor/:namespace", async (c) => {
  const { namespace } = parseSeed(cursorParam, { namespace: c.req.param("namespace") });
  const { state } = await readCursor(c.env.DB, c.var.org.id, namespace);
  return c.json({ state });
});

leadServiceCompat.put("/cursor/:namespace", async (c) => {
  const { namespace } = parseSeed(cursorParam, { namespace: c.req.param("namespace") });
  const { state } = await seedBody(c, cursorBody);
  await writeCursor(c.env.DB, c.var.org.id, namespace, state, Date.now());
  return c.json({ ok: true });
});
