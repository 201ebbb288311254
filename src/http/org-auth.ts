import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { secretsEqual } from "./crypto";
import { orgForKey } from "../db/orgs";
import { enforceRateLimit } from "./rate-limit";

function requiredHeader(value: string | undefined, name: string): string {
  if (!value) throw new ApiError(400, "invalid_request", `the ${name} header is required`, [{ path: `headers.${name}`, message: "required" }]);
  return value;
}

/**
 * The lead-service API: `X-API-Key` names an organisation, and `X-Org-Id`
 * and `X-App-Id` must be that organisation's. Every row the routes touch is
 * scoped by it, so another organisation's key sees nothing.
 */
export const requireOrg: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("X-API-Key");
  if (!key) throw new ApiError(401, "unauthorized", "the X-API-Key header is required");
  const clerkOrgId = requiredHeader(c.req.header("X-Org-Id"), "X-Org-Id");
  const appId = requiredHeader(c.req.header("X-App-Id"), "X-App-Id");
  const org = await orgForKey(c.env.DB, key);
  if (!org) throw new ApiError(401, "unauthorized", "unknown X-API-Key");
  if (!secretsEqual(clerkOrgId, org.clerkOrgId)) {
    throw new ApiError(403, "forbidden", "X-Org-Id is not this key's organisation", [{ path: "headers.X-Org-Id", message: "does not match the key" }]);
  }
  if (!secretsEqual(appId, org.appId)) {
    throw new ApiError(403, "forbidden", "X-App-Id is not this key's app", [{ path: "headers.X-App-Id", message: "does not match the key" }]);
  }
  c.set("org", org);
  // An organisation's key is an API key: it shares the API keys' default limit.
  await enforceRateLimit(c, { kind: "api-key", id: `org-${org.id}` });
  await next();
});
