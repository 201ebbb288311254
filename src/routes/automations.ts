import { Hono } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { requireNamespace } from "../http/auth";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { automationBody, automationIdParam } from "../schemas/destinations";
import { createAutomation, deleteAutomation, listAutomations, updateAutomation, type Automation } from "../db/automations";

/** Automation rules: when a lead's stage, score or velocity reaches a mark, run an action (once a day per lead). */
export const automationRoutes = new Hono<AppEnv>();

automationRoutes.use("*", requireNamespace);

automationRoutes.get("/", async (c) => c.json({ automations: (await listAutomations(c.env.DB, c.var.namespace.id)).map(show) }));

automationRoutes.post("/", async (c) => {
  const input = parseOrThrow(automationBody, await jsonBody(c));
  return c.json({ automation: show(await createAutomation(c.env.DB, c.var.namespace.id, input)) }, 201);
});

automationRoutes.put("/:id", async (c) => {
  const { id } = parseOrThrow(automationIdParam, c.req.param(), "automation id");
  const input = parseOrThrow(automationBody, await jsonBody(c));
  const updated = await updateAutomation(c.env.DB, c.var.namespace.id, id, input);
  if (!updated) throw new ApiError(404, "not_found", `no automation ${id}`);
  return c.json({ automation: show(updated) });
});

automationRoutes.delete("/:id", async (c) => {
  const { id } = parseOrThrow(automationIdParam, c.req.param(), "automation id");
  if (!(await deleteAutomation(c.env.DB, c.var.namespace.id, id))) throw new ApiError(404, "not_found", `no automation ${id}`);
  return c.json({ deleted: id });
});

function show(automation: Automation) {
  const action = automation.action.type === "webhook" && automation.action.secret ? { ...automation.action, secret: "[secret]" } : automation.action;
  return { ...automation, action, createdAt: new Date(automation.createdAt).toISOString() };
}
