import { Hono } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { createOrgBody } from "../schemas/lead-service";
import { createOrg, listOrgs } from "../db/orgs";
import { listKeys } from "../db/keys";
import { revokeRoute, rotateRoute } from "./key-actions";
import type { ListedOrg } from "../contracts/key-listing";

/** Lead-service organisations of a namespace; each gets its own X-API-Key, shown once. */
export const orgRoutes = new Hono<AppEnv>();

orgRoutes.get("/", async (c) => {
  const keys = new Map((await listKeys(c.env.DB, "org", c.var.namespace.id)).map((k) => [k.id, k]));
  const orgs = await listOrgs(c.env.DB, c.var.namespace);
  return c.json({
    orgs: orgs.map((org): ListedOrg => {
      const key = keys.get(org.id);
      return { ...org, createdAt: new Date(org.createdAt).toISOString(), lastUsedAt: key?.lastUsedAt ?? null, previousKeyValidUntil: key?.previousKeyValidUntil ?? null };
    }),
  });
});

/** Org ids are unique per namespace: the 409 only ever speaks of this namespace's own orgs. */
orgRoutes.post("/", async (c) => {
  const { clerkOrgId, appId } = parseOrThrow(createOrgBody, await jsonBody(c));
  const created = await createOrg(c.env.DB, c.var.namespace, clerkOrgId, appId);
  if (!created) throw new ApiError(409, "conflict", `this namespace already has organisation ${clerkOrgId} of app ${appId}`);
  return c.json({ org: created.record, apiKey: created.secret }, 201);
});

orgRoutes.delete("/:id", (c) => revokeRoute(c, "org", c.var.namespace.id));
orgRoutes.post("/:id/rotate", (c) => rotateRoute(c, "org", c.var.namespace.id));
