import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { parseOrThrow } from "../http/validate";
import { leaderboardQuery } from "../schemas/management";
import { leadsByStage, listProjectedLeads } from "../db/projection";
import { toListedLead } from "./lead-list";

/** Leaderboards, read from the D1 projection (seconds behind the lead objects). */
export const leaderboardRoutes = new Hono<AppEnv>();


leaderboardRoutes.get("/", async (c) => {
  const { limit } = parseOrThrow(leaderboardQuery, c.req.query(), "query");
  const rows = await listProjectedLeads(c.env.DB, c.var.namespace.id, { sort: "score", limit });
  return c.json({ leads: rows.map((row, i) => ({ rank: i + 1, ...toListedLead(row) })) });
});

leaderboardRoutes.get("/by-stage", async (c) => {
  const { limit } = parseOrThrow(leaderboardQuery, c.req.query(), "query");
  const stages = await leadsByStage(c.env.DB, c.var.namespace.id, limit);
  return c.json({ stages: stages.map((s) => ({ ...s, leads: s.leads.map(toListedLead) })) });
});
