import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { secretsEqual } from "./crypto";
import { findNamespaceByName, namespaceForApiKey } from "../db/tenants";

function bearerToken(header: string | undefined): string {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match) throw new ApiError(401, "unauthorized", "Authorization: Bearer <API key or admin token> is required");
  return match[1]!;
}

function isAdminToken(env: Env, token: string): boolean {
  return env.ADMIN_TOKEN !== undefined && env.ADMIN_TOKEN !== "" && secretsEqual(token, env.ADMIN_TOKEN);
}

/** Only the admin token passes. */
export const requireAdmin: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  if (!isAdminToken(c.env, bearerToken(c.req.header("Authorization")))) {
    throw new ApiError(401, "unauthorized", "this route needs the admin token");
  }
  await next();
});

/**
 * A namespace's API key acts on that namespace; the admin token acts on the
 * namespace named by `?namespace=`.
 */
export const requireNamespace: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (isAdminToken(c.env, token)) {
    const name = c.req.query("namespace") ?? c.req.param("name");
    if (!name) throw new ApiError(400, "invalid_request", "the admin token needs ?namespace=<name>", [{ path: "namespace", message: "required" }]);
    const namespace = await findNamespaceByName(c.env.DB, name);
    if (!namespace) throw new ApiError(404, "not_found", `no namespace named ${name}`);
    c.set("namespace", namespace);
  } else {
    const namespace = await namespaceForApiKey(c.env.DB, token);
    if (!namespace) throw new ApiError(401, "unauthorized", "unknown API key");
    c.set("namespace", namespace);
  }
  await next();
});

/** The admin token or a namespace's API key; routes read `c.var.caller` to scope what they show. */
export const requireCaller: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (isAdminToken(c.env, token)) c.set("caller", { kind: "admin" });
  else {
    const namespace = await namespaceForApiKey(c.env.DB, token);
    if (!namespace) throw new ApiError(401, "unauthorized", "unknown API key");
    c.set("caller", { kind: "namespace", namespace });
  }
  await next();
});
