import { Hono } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { icpTableBody, ruleIdParam, scoringRuleBody } from "../schemas/management";
import { changeScoring, latestRescoreJob, listRules, loadScoringConfig } from "../db/scoring";
import { describeJob, startRescore } from "../queues/rescore";

/**
 * Scoring rules and the ICP table of a namespace. Every change bumps the
 * namespace's scoring version and queues a rescore of all its leads; the
 * request itself never rescores.
 */
export const scoringRuleRoutes = new Hono<AppEnv>();
export const icpTableRoutes = new Hono<AppEnv>();


scoringRuleRoutes.get("/", async (c) => c.json({ rules: await listRules(c.env.DB, c.var.namespace.id) }));

scoringRuleRoutes.get("/rescore-status", async (c) => {
  const job = await latestRescoreJob(c.env.DB, c.var.namespace.id);
  return c.json({ job: job ? describeJob(job) : null });
});

scoringRuleRoutes.post("/", async (c) => {
  const rule = parseOrThrow(scoringRuleBody, await jsonBody(c));
  const changed = (await changeScoring(c.env.DB, c.var.namespace.id, { kind: "create", rule }))!;
  await startRescore(c.env, changed.job);
  return c.json({ rule: changed.rule, rescore: describeJob(changed.job) }, 201);
});

scoringRuleRoutes.put("/:id", async (c) => {
  const { id } = parseOrThrow(ruleIdParam, c.req.param(), "rule id");
  const rule = parseOrThrow(scoringRuleBody, await jsonBody(c));
  const changed = await changeScoring(c.env.DB, c.var.namespace.id, { kind: "update", id, rule });
  if (!changed) throw new ApiError(404, "not_found", `no scoring rule ${id}`);
  await startRescore(c.env, changed.job);
  return c.json({ rule: changed.rule, rescore: describeJob(changed.job) });
});

scoringRuleRoutes.delete("/:id", async (c) => {
  const { id } = parseOrThrow(ruleIdParam, c.req.param(), "rule id");
  const changed = await changeScoring(c.env.DB, c.var.namespace.id, { kind: "delete", id });
  if (!changed) throw new ApiError(404, "not_found", `no scoring rule ${id}`);
  await startRescore(c.env, changed.job);
  return c.json({ deleted: id, rescore: describeJob(changed.job) });
});

icpTableRoutes.get("/", async (c) => c.json({ icpTable: (await loadScoringConfig(c.env.DB, c.var.namespace.id)).icpTable }));

icpTableRoutes.put("/", async (c) => {
  const table = parseOrThrow(icpTableBody, await jsonBody(c));
  const changed = (await changeScoring(c.env.DB, c.var.namespace.id, { kind: "icp", table }))!;
  await startRescore(c.env, changed.job);
  return c.json({ icpTable: table, rescore: describeJob(changed.job) });
});

icpTableRoutes.delete("/", async (c) => {
  const changed = (await changeScoring(c.env.DB, c.var.namespace.id, { kind: "icp", table: null }))!;
  await startRescore(c.env, changed.job);
  return c.json({ icpTable: (await loadScoringConfig(c.env.DB, c.var.namespace.id)).icpTable, rescore: describeJob(changed.job) });
});
