/**
 * The one middleware that decides who may call a route: it looks the request
 * up in the policy (src/http/policy.ts), resolves the credential the rule
 * allows, and puts what it reaches on the context (`source`,
 * `webhookSource`, `namespace`, `org`, `caller`, `apiKeyId`…). Handlers read
 * those and never look at credentials.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { policyFor, type Credential, type PolicyMatch } from "./policy";
import {
  adminNamespace,
  apiKeyHolder,
  isAdminToken,
  orgKeyHolder,
  orgOfNamespace,
  presentedToken,
  presentedWriteKey,
  readWebhookBody,
  sourceForWriteKey,
  webhookSourceFor,
} from "./credentials";
import { readJsonBody } from "../ingest/body";
import { namespaceForApiKey } from "../db/tenants";
import { orgForKey } from "../db/orgs";

export const authorize = createMiddleware<AppEnv>(async (c, next) => {
  // CORS preflights carry no credentials; the CORS middleware before this one answers them.
  if (c.req.method === "OPTIONS") return next();
  // The path as hono routes it, so the rule found is the route's own.
  const path = c.req.path;
  const match = policyFor(c.req.method, path);
  if (!match) throw new ApiError(404, "not_found", `no route for ${c.req.method} ${path}`);
  const { allow } = match.rule;
  if (allow.length === 1 && allow[0] === "public") return next();
  if (allow.includes("write-key")) await admitWriteKey(c, match);
  else if (allow.includes("webhook")) await admitWebhook(c, match);
  else await admitToken(c, match);
  await next();
});

async function admitWriteKey(c: Context<AppEnv>, { rule, params }: PolicyMatch): Promise<void> {
  const body = rule.body ? await readJsonBody(c.req.raw, rule.body) : undefined;
  if (body) c.set("body", body);
  c.set("source", await sourceForWriteKey(c, presentedWriteKey(c, body?.value, params.writeKey)));
  c.set("credential", "write-key");
}

async function admitWebhook(c: Context<AppEnv>, { rule, params }: PolicyMatch): Promise<void> {
  const body = await readWebhookBody(c);
  c.set("body", body);
  c.set("webhookSource", await webhookSourceFor(c, rule.platform!, params.sourceId ?? "", body.value));
  c.set("credential", "webhook");
}

async function admitToken(c: Context<AppEnv>, { rule, params }: PolicyMatch): Promise<void> {
  const { allow, scope = "write", actsOn } = rule;
  const token = presentedToken(c);
  if (token === undefined) {
    if (allow.includes("public")) return;
    throw new ApiError(401, "unauthorized", `this route needs ${describe(allow)}`);
  }
  if (allow.includes("admin") && isAdminToken(c.env, token)) {
    c.set("caller", { kind: "admin" });
    c.set("credential", "admin");
    if (actsOn === "namespace") c.set("namespace", await adminNamespace(c, params.name));
    return;
  }
  const apiKey = allow.includes("api-key") ? await apiKeyHolder(c, token, scope) : undefined;
  if (apiKey) {
    // A key of one namespace names no other: another namespace's name reads as unknown.
    if (actsOn === "namespace" && params.name !== undefined && params.name !== apiKey.namespace.name) {
      throw new ApiError(404, "not_found", `no namespace named ${params.name}`);
    }
    c.set("namespace", apiKey.namespace);
    c.set("caller", { kind: "namespace", namespace: apiKey.namespace });
    c.set("apiKeyId", apiKey.apiKeyId);
    c.set("apiKeyScope", apiKey.scope);
    c.set("apiKeyValidUntil", apiKey.validUntil);
    c.set("credential", "api-key");
    if (actsOn === "org") c.set("org", await orgOfNamespace(c, apiKey.namespace));
    return;
  }
  const orgKey = allow.includes("org-key") ? await orgKeyHolder(c, token) : undefined;
  if (orgKey) {
    c.set("org", orgKey.org);
    c.set("namespace", orgKey.namespace);
    c.set("credential", "org-key");
    return;
  }
  // A valid credential of a kind this route does not take is forbidden, not unknown.
  if (await isKnownToken(c, token)) throw new ApiError(403, "forbidden", `this route needs ${describe(allow)}`);
  throw new ApiError(401, "unauthorized", `unknown key: this route needs ${describe(allow)}`);
}

async function isKnownToken(c: Context<AppEnv>, token: string): Promise<boolean> {
  if (isAdminToken(c.env, token)) return true;
  return (await namespaceForApiKey(c.env.DB, token)) !== null || (await orgForKey(c.env.DB, token)) !== null;
}

const LABELS: Record<Credential, string> = {
  public: "no key",
  "write-key": "a write key",
  webhook: "the webhook source's secret",
  "api-key": "a namespace API key (Authorization: Bearer or X-API-Key)",
  "org-key": "an organisation key (X-API-Key) with X-Org-Id and X-App-Id",
  admin: "the admin token (Authorization: Bearer)",
};

function describe(allow: readonly Credential[]): string {
  return allow.map((credential) => LABELS[credential]).join(" or ");
}
