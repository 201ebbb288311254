import { cors } from "hono/cors";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";
import { config } from "../config";

const RATE_LIMIT_HEADERS = ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"];

/** Ingest (`/v1/*`, `/webhooks/*`): browsers on any site may send, never with cookies. */
export const ingestCors: MiddlewareHandler<AppEnv> = cors({
  origin: "*",
  allowMethods: ["GET", "POST", "OPTIONS"],
  allowHeaders: ["Authorization", "Content-Type", "Content-Encoding", "X-Retry-Count"],
  exposeHeaders: RATE_LIMIT_HEADERS,
  maxAge: 86_400,
});

/** The comma-separated `MANAGEMENT_ORIGINS` var; empty allows no browser origin. */
export function managementOrigins(env: Env): ReadonlySet<string> {
  return config(env).managementOrigins;
}

/** The management API (`/api/*`) answers browsers only from the configured origins. */
export const managementCors: MiddlewareHandler<AppEnv> = cors({
  origin: (origin, c) => (managementOrigins(c.env as Env).has(origin) ? origin : null),
  allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  allowHeaders: ["Authorization", "Content-Type"],
  exposeHeaders: RATE_LIMIT_HEADERS,
  maxAge: 600,
});
