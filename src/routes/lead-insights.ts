import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { leadIdParam, leadListQuery } from "../schemas/management";
import { namespaceStats } from "../db/projection";
import { eventsPerHour, scoreHistogram, topMovers } from "../db/overview";
import { firstHourKept, HOUR_MS } from "../leads/hourly";
import { loadScoringConfig } from "../db/scoring";
import { explainScore } from "../scoring/explain";
import { DAY_MS } from "../scoring/velocity";
import { leadCsvStream } from "../leads/csv-stream";
import { hasModelInUse, toListedLead } from "../leads/listed";
import { heldByLead, leadInNamespace } from "../leads/read-lead";
import type { LeadExplanation, LeadOverview } from "../contracts/lead-insights";

/** Read-only views over a namespace's leads for the console: the overview, a CSV export, a score explained. */
export const leadInsightRoutes = new Hono<AppEnv>();

// Auth on each route, not use("*"): this router shares /api/leads with leadRoutes, whose own
// middleware would otherwise run after this one and count every call twice against the key's limit.

const EXPORT_PAGE = 500;
const TOP_MOVERS = 10;

/** Stage funnel, score distribution, events per hour and the leads heating up in the last 24 hours, from the D1 projection. */
leadInsightRoutes.get("/overview", async (c) => {
  const id = c.var.namespace.id;
  const now = Date.now();
  const [stats, histogram, movers, perHour, predicted] = await Promise.all([
    namespaceStats(c.env.DB, id),
    scoreHistogram(c.env.DB, id),
    topMovers(c.env.DB, id, now - DAY_MS, TOP_MOVERS),
    eventsPerHour(c.env.DB, id, now),
    hasModelInUse(c.env.DB, id),
  ]);
  return c.json({
    ...stats,
    scoreHistogram: histogram,
    topMovers: movers.map((row) => toListedLead(row, predicted)),
    eventsPerHour: { from: new Date(firstHourKept(now) * HOUR_MS).toISOString(), counts: perHour },
  } satisfies LeadOverview);
});

/** Every lead the list filters select, as CSV, streamed page by page (the filters of GET /api/leads, without limit or cursor). */
leadInsightRoutes.get("/export.csv", async (c) => {
  const { limit: _limit, cursor: _cursor, ...filters } = parseOrThrow(leadListQuery, c.req.query(), "query");
  const predicted = await hasModelInUse(c.env.DB, c.var.namespace.id);
  const body = leadCsvStream(c.env.DB, c.var.namespace.id, filters, EXPORT_PAGE, predicted);
  return new Response(body, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="leads-${c.var.namespace.name}.csv"`, "Cache-Control": "no-store" },
  });
});

/** The lead's score split into rules, event names, decay, retention baseline and ICP parts, with its history. */
leadInsightRoutes.get("/:id/explain", async (c) => {
  const { id } = parseOrThrow(leadIdParam, c.req.param(), "lead id");
  const lead = await leadInNamespace(c.env, c.var.namespace.id, id);
  const [held, config] = await Promise.all([heldByLead(c.env, lead.id), loadScoringConfig(c.env.DB, c.var.namespace.id)]);
  if (!held) throw new ApiError(404, "not_found", `no lead ${id}`);
  const explanation = explainScore(held.timeline, config.rules, lead.firmographics, config.icpTable);
  return c.json({
    leadId: lead.id,
    stage: lead.stage,
    grade: lead.grade,
    scoringVersion: { lead: lead.scoringVersion, namespace: config.version },
    ...explanation,
    history: held.timeline.map((e) => ({ at: e.timestamp, type: e.type, behaviour: e.runningScore })),
    stageChanges: lead.stageChanges,
  } satisfies LeadExplanation);
});
