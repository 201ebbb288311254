import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { leadIdParam } from "../schemas/management";
import { loadModel } from "../db/prediction";
import { HORIZON_DAYS } from "../predict/examples";
import { predict } from "../predict/serve";
import type { LeadSnapshot } from "../predict/snapshot";
import { leadStub } from "../leads/lead-stub";

/**
 * A lead's conversion probability under its namespace's model, computed on
 * read from the lead object's log as of now (no write, nothing per event),
 * with the three features that moved it most. Served as
 * GET /api/model/leads/:id (src/routes/model.ts).
 */
export async function leadPrediction(c: Context<AppEnv>) {
  const { id } = parseOrThrow(leadIdParam, c.req.param(), "lead id");
  const namespaceId = c.var.namespace.id;
  const [snapshot, stored] = await Promise.all([snapshotOf(c.env, namespaceId, id), loadModel(c.env.DB, namespaceId)]);
  // Another namespace's lead, an erased or unknown one: all answered alike.
  if (snapshot === undefined) throw new ApiError(404, "not_found", `no lead ${id}`);
  const base = { leadId: id, horizonDays: HORIZON_DAYS, used: stored?.used ?? false };
  if (!stored?.model || !snapshot) {
    const reason = !stored ? "no model yet: see GET /api/model" : !stored.model ? stored.reason : "the lead has no events yet";
    return c.json({ ...base, conversionProbability: null, topFeatures: [], reason });
  }
  return c.json({ ...base, ...predict(stored.model, snapshot), reason: stored.reason, trainedAt: new Date(stored.trainedAt).toISOString() });
}

/** The lead as of now; undefined when it is not a live lead of the namespace, null when it has no row yet. */
async function snapshotOf(env: Env, namespaceId: string, id: string): Promise<LeadSnapshot | null | undefined> {
  let stub: ReturnType<typeof leadStub>;
  try {
    stub = leadStub(env, id);
  } catch (error) {
    if (error instanceof TypeError) return undefined; // not an id of this object namespace
    throw error;
  }
  const summary = await stub.summary();
  if (!summary || summary.namespaceId !== namespaceId) return undefined;
  return (await stub.predictionSnapshot(namespaceId, Date.now() + 1)) as LeadSnapshot | null;
}
