import { Hono } from "hono";
import { jsonBody, MAX_LEAD_SERVICE_BODY_BYTES } from "../../http/json-body";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { parseOrThrow } from "../../http/validate";
import { cursorBody, cursorParam, servedLeadsQuery } from "../../schemas/lead-service";
import { servedLeads } from "../buffer";
import { readCursor, writeCursor } from "../cursors";

/** Leads handed out to this organisation, with their enrichment. */
export const servedLeadRoutes = new Hono<AppEnv>();

servedLeadRoutes.get("/", async (c) => {
  const query = parseOrThrow(servedLeadsQuery, c.req.query(), "query");
  if (query.clerkOrgId !== undefined && query.clerkOrgId !== c.var.org.clerkOrgId) {
    throw new ApiError(403, "forbidden", "clerkOrgId is not this key's organisation", [{ path: "clerkOrgId", message: "does not match X-Org-Id" }]);
  }
  return c.json(await servedLeads(c.env.DB, c.var.org.id, query));
});

/** A caller's own paging state per namespace, e.g. the page of a search it pulls leads from. */
export const cursorRoutes = new Hono<AppEnv>();

cursorRoutes.get("/:namespace", async (c) => {
  const { namespace } = parseOrThrow(cursorParam, { namespace: c.req.param("namespace") });
  return c.json(await readCursor(c.env.DB, c.var.org.id, namespace));
});

cursorRoutes.put("/:namespace", async (c) => {
  const { namespace } = parseOrThrow(cursorParam, { namespace: c.req.param("namespace") });
  const { state } = parseOrThrow(cursorBody, await jsonBody(c, MAX_LEAD_SERVICE_BODY_BYTES));
  return c.json(await writeCursor(c.env.DB, c.var.org.id, namespace, state, Date.now()));
});
