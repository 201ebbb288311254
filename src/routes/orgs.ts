import { Hono } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { requireNamespace } from "../http/auth";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { createOrgBody } from "../schemas/lead-service";
import { createOrg, findOrg, listOrgs } from "../db/orgs";

/** Lead-service organisations of a namespace; each gets its own X-API-Key, shown once. */
export const orgRoutes = new Hono<AppEnv>();
orgRoutes.use("*", requireNamespace);

orgRoutes.get("/", async (c) => c.json({ orgs: await listOrgs(c.env.DB, c.var.namespace) }));

orgRoutes.post("/", async (c) => {
  const { clerkOrgId, appId } = parseOrThrow(createOrgBody, await jsonBody(c));
  if (await findOrg(c.env.DB, clerkOrgId, appId)) throw new ApiError(409, "conflict", `organisation ${clerkOrgId} of app ${appId} already exists`);
  const { record, secret } = await createOrg(c.env.DB, c.var.namespace, clerkOrgId, appId);
  return c.json({ org: record, apiKey: secret }, 201);
});
