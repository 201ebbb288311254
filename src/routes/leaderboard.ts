import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { parseOrThrow } from "../http/validate";
import { leaderboardQuery } from "../schemas/management";
import { leadsByStage, listProjectedLeads } from "../db/projection";
import { hasModelInUse, toListedLead } from "../leads/listed";

/** Leaderboards, read from the D1 projection (seconds behind the lead objects). */
export const leaderboardRoutes = new Hono<AppEnv>();


leaderboardRoutes.get("/", async (c) => {
  const { limit, sort } = parseOrThrow(leaderboardQuery, c.req.query(), "query");
  const [rows, predicted] = await Promise.all([listProjectedLeads(c.env.DB, c.var.namespace.id, { sort, limit }), hasModelInUse(c.env.DB, c.var.namespace.id)]);
  return c.json({ leads: rows.map((row, i) => ({ rank: i + 1, ...toListedLead(row, predicted) })) });
});

leaderboardRoutes.get("/by-stage", async (c) => {
  const { limit } = parseOrThrow(leaderboardQuery, c.req.query(), "query");
  const [stages, predicted] = await Promise.all([leadsByStage(c.env.DB, c.var.namespace.id, limit), hasModelInUse(c.env.DB, c.var.namespace.id)]);
  return c.json({ stages: stages.map((s) => ({ ...s, leads: s.leads.map((row) => toListedLead(row, predicted)) })) });
});
