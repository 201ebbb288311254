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
import { DEFAULT_POINTS } from "../scoring/points";
import { heldByLead } from "../leads/read-lead";
import type { PreviewAnswer, SeenEventsAnswer } from "../contracts/scoring-preview";

/**
 * What a rule change would do before it is saved: the most recently active
 * leads (a sample of PREVIEW_SAMPLE, one lead object read each) scored again
 * under the proposed rules. Nothing is written.
 */
export const scoringPreviewRoutes = new Hono<AppEnv>();

export const PREVIEW_SAMPLE = 100;
const PROPOSED_ID = "proposed";
const SCORED_TYPES = new Set(["track", "page", "screen"]);

/** The most recently active leads (at most PREVIEW_SAMPLE), each with its timeline. */
async function sampledLeads(env: Env, namespaceId: string): Promise<PreviewLead[]> {
  const sample = await listProjectedLeads(env.DB, namespaceId, { sort: "last_activity", limit: PREVIEW_SAMPLE });
  return (
    await Promise.all(
      sample.map(async (row): Promise<PreviewLead | null> => {
        const held = await heldByLead(env, row.leadId);
        if (!held) return null;
        return { icpScore: row.icpScore, rows: held.timeline.map((e) => ({ ...e, ts: Date.parse(e.timestamp) })) };
      }),
    )
  ).filter((l): l is PreviewLead => l !== null);
}

scoringPreviewRoutes.post("/preview", async (c) => {
  const { rule, id } = parseOrThrow(scoringPreviewBody, await jsonBody(c));
  const namespaceId = c.var.namespace.id;
  const current = await listRules(c.env.DB, namespaceId);
  if (id !== undefined && !current.some((r) => r.id === id)) throw new ApiError(404, "not_found", `no scoring rule ${id}`);
  const proposed: ScoringRule[] = current.filter((r) => r.id !== id);
  if (rule) proposed.push({ ...rule, id: id ?? PROPOSED_ID });

  const leads = await sampledLeads(c.env, namespaceId);
  const preview = previewRules(leads, proposed, Date.now());
  return c.json({ sampled: leads.length, sampleLimit: PREVIEW_SAMPLE, ...preview } satisfies PreviewAnswer);
});

/**
 * The event names the same sample of leads holds, each with how many events
 * and leads, the points they scored, and what scores it (a rule, the default
 * table, or nothing: seen but worth 0); and the default table itself. What
 * the console's rule form offers to pick from.
 */
scoringPreviewRoutes.get("/events", async (c) => {
  const namespaceId = c.var.namespace.id;
  const [rules, leads] = await Promise.all([listRules(c.env.DB, namespaceId), sampledLeads(c.env, namespaceId)]);
  const seen = new Map<string, { name: string; events: number; leads: number; points: number }>();
  for (const lead of leads) {
    const names = new Set<string>();
    for (const row of lead.rows) {
      if (!SCORED_TYPES.has(row.type)) continue; // identify/group/alias, and bookkeeping rows (merge, decay, retained)
      const entry = seen.get(row.name) ?? { name: row.name, events: 0, leads: 0, points: 0 };
      entry.events++;
      entry.points += row.scoreDelta;
      if (!names.has(row.name)) entry.leads++;
      names.add(row.name);
      seen.set(row.name, entry);
    }
  }
  const ruled = new Set(rules.map((r) => r.event));
  const scoredBy = (name: string) => (ruled.has(name) ? "rule" : (DEFAULT_POINTS[name] ?? 0) !== 0 ? "default" : "nothing");
  return c.json({
    sampled: leads.length,
    sampleLimit: PREVIEW_SAMPLE,
    events: [...seen.values()].sort((a, b) => b.events - a.events || a.name.localeCompare(b.name)).map((e) => ({ ...e, scoredBy: scoredBy(e.name) })),
    defaults: DEFAULT_POINTS,
  } satisfies SeenEventsAnswer);
});
