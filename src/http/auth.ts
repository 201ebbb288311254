import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { secretsEqual } from "./crypto";
import { enforceRateLimit } from "./rate-limit";
import { findNamespaceByName, namespaceForApiKey } from "../db/tenants";

function bearerToken(header: string | undefined): string {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match) throw new ApiError(401, "unauthorized", "Authorization: Bearer <API key or admin token> is required");
  return match[1]!;
}

/**
 * Browsers cannot set headers on a WebSocket, so /api/live also takes the key
 * as a subprotocol: `new WebSocket(url, ["leadflare", "bearer.<key>"])`.
 */
export const LIVE_PROTOCOL = "leadflare";
const PROTOCOL_TOKEN_PREFIX = "bearer.";

function requestToken(c: Context<AppEnv>): string {
  const authorization = c.req.header("Authorization");
  if (authorization === undefined && c.req.header("Upgrade")?.toLowerCase() === "websocket") {
    const offered = c.req.header("Sec-WebSocket-Protocol")?.split(",").map((p) => p.trim()) ?? [];
    const token = offered.find((p) => p.startsWith(PROTOCOL_TOKEN_PREFIX))?.slice(PROTOCOL_TOKEN_PREFIX.length);
    if (token) return token;
  }
  return bearerToken(authorization);
}

export function isAdminToken(env: Env, token: string): boolean {
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
 * A namespace's API key acts on that namespace, within the key's rate limit;
 * the admin token acts on the namespace named by `?namespace=`.
 */
export const requireNamespace: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const token = requestToken(c);
  if (isAdminToken(c.env, token)) {
    const name = c.req.query("namespace") ?? c.req.param("name");
    if (!name) throw new ApiError(400, "invalid_request", "the admin token needs ?namespace=<name>", [{ path: "namespace", message: "required" }]);
    const namespace = await findNamespaceByName(c.env.DB, name);
    if (!namespace) throw new ApiError(404, "not_found", `no namespace named ${name}`);
    c.set("namespace", namespace);
  } else {
    const found = await namespaceForApiKey(c.env.DB, token);
    if (!found) throw new ApiError(401, "unauthorized", "unknown API key");
    await enforceRateLimit(c, { kind: "api-key", id: found.apiKeyId });
    c.set("namespace", { id: found.id, name: found.name });
    c.set("apiKeyId", found.apiKeyId);
  }
  await next();
});

/** The admin token or a namespace's API key; routes read `c.var.caller` to scope what they show. */
export const requireCaller: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (isAdminToken(c.env, token)) c.set("caller", { kind: "admin" });
  else {
    const found = await namespaceForApiKey(c.env.DB, token);
    if (!found) throw new ApiError(401, "unauthorized", "unknown API key");
    await enforceRateLimit(c, { kind: "api-key", id: found.apiKeyId });
    c.set("caller", { kind: "namespace", namespace: { id: found.id, name: found.name } });
    c.set("apiKeyId", found.apiKeyId);
  }
  await next();
});
