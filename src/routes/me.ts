import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";

/** Who the caller is: which namespace, and whether it may change things (the console hides what it may not do). */
export const meRoutes = new Hono<AppEnv>();

meRoutes.get("/", (c) =>
  c.json({ namespace: c.var.namespace.name, admin: c.var.apiKeyId === undefined, scope: c.var.apiKeyScope ?? "write" }),
);
