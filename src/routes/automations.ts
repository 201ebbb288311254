import { Hono } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { assertOutboundUrls } from "../outbound/fetch";
import { automationAction, automationBody, automationIdParam } from "../schemas/destinations";
import { createAutomation, deleteAutomation, getAutomation, listAutomations, updateAutomation, type Automation, type AutomationInput } from "../db/automations";
import { getDestination } from "../db/destinations";
import { bindSecrets } from "../secrets/bound";
import { ACTION_BINDING_FIELDS, ACTION_SECRETS, redactAction } from "../automations/action-secrets";
import type { ShownAutomation } from "../contracts/delivery-rows";

/** Automation rules: when a lead's stage, score or velocity reaches a mark, run an action (once a day per lead). */
export const automationRoutes = new Hono<AppEnv>();


automationRoutes.get("/", async (c) => c.json({ automations: (await listAutomations(c.env.DB, c.var.namespace.id)).map(show) }));

automationRoutes.post("/", async (c) => {
  const input = readAutomation(c.env, await jsonBody(c));
  await assertOwnDestination(c.env.DB, c.var.namespace.id, input);
  return c.json({ automation: show(await createAutomation(c.env.DB, c.var.namespace.id, input)) }, 201);
});

automationRoutes.put("/:id", async (c) => {
  const { id } = parseOrThrow(automationIdParam, c.req.param(), "automation id");
  const stored = await getAutomation(c.env.DB, c.var.namespace.id, id);
  if (!stored) throw new ApiError(404, "not_found", `no automation ${id}`);
  const input = readAutomation(c.env, await jsonBody(c), stored);
  await assertOwnDestination(c.env.DB, c.var.namespace.id, input);
  const updated = await updateAutomation(c.env.DB, c.var.namespace.id, id, input);
  if (!updated) throw new ApiError(404, "not_found", `no automation ${id}`);
  return c.json({ automation: show(updated) });
});

automationRoutes.delete("/:id", async (c) => {
  const { id } = parseOrThrow(automationIdParam, c.req.param(), "automation id");
  if (!(await deleteAutomation(c.env.DB, c.var.namespace.id, id))) throw new ApiError(404, "not_found", `no automation ${id}`);
  return c.json({ deleted: id });
});

/**
 * An automation as sent. On an update of the same action type, the action's
 * secrets left out or sent as their hint keep `stored`'s, unless the URL they
 * are bound to changed: then each must be sent again.
 */
function readAutomation(env: Env, body: unknown, stored?: Automation): AutomationInput {
  const sent = body as { action?: unknown } | undefined;
  const action = sent?.action as Record<string, unknown> | undefined;
  const bound =
    action && typeof action === "object" && stored && stored.action.type === action.type
      ? {
          ...sent,
          action: bindSecrets({
            sent: action,
            stored: stored.action as unknown as Record<string, unknown>,
            schema: automationAction,
            secretFields: ACTION_SECRETS[stored.action.type],
            bindingFields: ACTION_BINDING_FIELDS[stored.action.type],
            prefix: "action",
          }),
        }
      : body;
  const input = parseOrThrow(automationBody, bound);
  if (input.action.type === "webhook") assertOutboundUrls(env, { "action.url": input.action.url });
  if (input.action.type === "slack") assertOutboundUrls(env, { "action.webhookUrl": input.action.webhookUrl });
  return input;
}

/** A destination action names one of the caller's own destinations (another tenant's id reads as unknown). */
async function assertOwnDestination(db: D1Database, namespaceId: string, input: AutomationInput) {
  if (input.action.type !== "destination") return;
  if (await getDestination(db, namespaceId, input.action.destinationId)) return;
  throw new ApiError(400, "invalid_request", "invalid automation: action.destinationId", [
    { path: "action.destinationId", message: `no destination ${input.action.destinationId} in this namespace` },
  ]);
}

function show(automation: Automation): ShownAutomation {
  return { ...automation, action: redactAction(automation.action), createdAt: new Date(automation.createdAt).toISOString() };
}
