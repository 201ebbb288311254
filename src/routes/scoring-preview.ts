import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { jsonBody } from "../http/json-body";
import { scoringPreviewBody } from "../schemas/scoring-preview";
import { listRules } from "../db/scoring";
import { listProjectedLeads } from "../db/projection";
import { previewRules, type PreviewLead } from "../scoring/preview";
import type { ScoringRule } from "../scoring/rules";
import { heldByLead } from "./leads";

/**
 * What a rule change would do before it is saved: the most recently active
 * leads (a sample of PREVIEW_SAMPLE, one lead object read each) scored again
 * under the proposed rules. Nothing is written.
 */
export const scoringPreviewRoutes = new Hono<AppEnv>();

export const PREVIEW_SAMPLE = 100;
const PROPOSED_ID = "proposed";

scoringPreviewRoutes.post("/preview", async (c) => {
  const { rule, id } = parseOrThrow(scoringPreviewBody, await jsonBody(c));
  const namespaceId = c.var.namespace.id;
  const current = await listRules(c.env.DB, namespaceId);
  if (id !== undefined && !current.some((r) => r.id === id)) throw new ApiError(404, "not_found", `no scoring rule ${id}`);
  const proposed: ScoringRule[] = current.filter((r) => r.id !== id);
  if (rule) proposed.push({ ...rule, id: id ?? PROPOSED_ID });

  const sample = await listProjectedLeads(c.env.DB, namespaceId, { sort: "last_activity", limit: PREVIEW_SAMPLE });
  const leads = (
    await Promise.all(
      sample.map(async (row): Promise<PreviewLead | null> => {
        const held = await heldByLead(c.env, row.leadId);
        if (!held) return null;
        return { icpScore: row.icpScore, rows: held.timeline.map((e) => ({ ...e, ts: Date.parse(e.timestamp) })) };
      }),
    )
  ).filter((l): l is PreviewLead => l !== null);
  const preview = previewRules(leads, proposed, Date.now());
  return c.json({ sampled: leads.length, sampleLimit: PREVIEW_SAMPLE, ...preview });
});
