import { Hono } from "hono";
import { jsonBody, MAX_LEAD_SERVICE_BODY_BYTES } from "../../http/json-body";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { parseOrThrow } from "../../http/validate";
import { bufferAckBody, bufferNextBody, bufferPushBody, bufferRequeueBody, cursorParam, idempotencyKey } from "../../schemas/lead-service";
import { acknowledgeLead, bufferStats, claimNext, pushLeads, requeueParked } from "../buffer";
import { config } from "../../config";

/** The lead buffer: outreach workers push leads, then pull them one at a time. */
export const bufferRoutes = new Hono<AppEnv>();

bufferRoutes.post("/push", async (c) => {
  const push = parseOrThrow(bufferPushBody, await jsonBody(c, MAX_LEAD_SERVICE_BODY_BYTES));
  if (push.clerkOrgId !== c.var.org.clerkOrgId) {
    throw new ApiError(403, "forbidden", "clerkOrgId is not this key's organisation", [{ path: "clerkOrgId", message: "does not match X-Org-Id" }]);
  }
  return c.json(await pushLeads(c.env.DB, c.var.org.id, push, Date.now()));
});

/**
 * Claims the next lead. The claim lasts `claimSeconds` (default
 * BUFFER_CLAIM_SECONDS); a lead not acknowledged by then goes back to the
 * buffer for the next caller. The same `parentRunId` and `Idempotency-Key`
 * get the same lead again.
 */
bufferRoutes.post("/next", async (c) => {
  const request = parseOrThrow(bufferNextBody, await jsonBody(c, MAX_LEAD_SERVICE_BODY_BYTES));
  const key = parseOrThrow(idempotencyKey, c.req.header("Idempotency-Key"), "Idempotency-Key header");
  const claimSeconds = request.claimSeconds ?? config(c.env).bufferClaimSeconds;
  const claim = await claimNext(c.env.DB, c.var.org.id, { ...request, claimMs: claimSeconds * 1000, idempotencyKey: key }, Date.now());
  if (!claim) return c.json({ found: false, lead: null });
  return c.json({ found: true, lead: claim.lead, replayed: claim.replayed });
});

bufferRoutes.post("/ack", async (c) => {
  const request = parseOrThrow(bufferAckBody, await jsonBody(c, MAX_LEAD_SERVICE_BODY_BYTES));
  const outcome = await acknowledgeLead(c.env.DB, c.var.org.id, request.namespace, request.id, request.parentRunId, Date.now());
  if (outcome === "not_found") throw new ApiError(404, "not_found", `no claimed lead ${request.id} in ${request.namespace}`);
  if (outcome === "not_claimed_by_run") {
    throw new ApiError(409, "claim_lost", `lead ${request.id} is claimed by another run: its claim by ${request.parentRunId} ran out first`);
  }
  return c.json({ served: true, id: request.id });
});

/** Puts parked (poison) leads back in the buffer, with their tries reset. */
bufferRoutes.post("/requeue", async (c) => {
  const { namespace, ids } = parseOrThrow(bufferRequeueBody, await jsonBody(c, MAX_LEAD_SERVICE_BODY_BYTES));
  return c.json({ namespace, requeued: await requeueParked(c.env.DB, c.var.org.id, namespace, ids) });
});

bufferRoutes.get("/stats/:namespace", async (c) => {
  const { namespace } = parseOrThrow(cursorParam, { namespace: c.req.param("namespace") });
  return c.json({ namespace, ...(await bufferStats(c.env.DB, c.var.org.id, namespace, Date.now())) });
});
