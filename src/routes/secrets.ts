import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { ACCOUNT_API_KEY, AUTOMATION_ACTION, DESTINATION_CONFIG, resealAll } from "../db/sealed";

/** Secrets at rest, for the operator (admin token). */
export const secretRoutes = new Hono<AppEnv>();

/** Re-encrypts every stored secret under SECRETS_KEY's first key: clear-text rows from before encryption, and rows under older keys. */
secretRoutes.post("/re-encrypt", async (c) => {
  const [destinations, automations, accounts] = [await resealAll(c.env.DB, DESTINATION_CONFIG), await resealAll(c.env.DB, AUTOMATION_ACTION), await resealAll(c.env.DB, ACCOUNT_API_KEY)];
  return c.json({ destinations, automations, accounts });
});
