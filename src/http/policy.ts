/**
 * Who may call each route: the one authorization policy of every surface —
 * native, `/compat/*`, webhooks, live, archive, SDK, console, admin. The
 * `authorize` middleware enforces it before any handler runs; handlers never
 * check credentials. A request no rule matches is refused (404, as an
 * unknown route), so a route added without a rule answers nobody, and the
 * route × credential matrix test names it.
 */
import type { BodyLimits } from "../ingest/body";
import { MAX_NESTING_DEPTH } from "../ingest/nesting";
import { MAX_BATCH_BYTES, MAX_MESSAGE_BYTES } from "../schemas/segment";
import type { Platform } from "../outreach/types";
import { compilePattern, matchPattern, moreSpecific, splitPath, type RoutePattern } from "./route-pattern";

/**
 * - `public`: no credential (one that is presented must still be valid).
 * - `write-key`: a source's write key (HTTP Basic user, `writeKey` in the body, or the path's `:writeKey`).
 * - `webhook`: a webhook source's secret, for the source named in the path.
 * - `api-key`: a namespace API key, with at least the rule's `scope`.
 * - `org-key`: a lead-service organisation's key, with its `X-Org-Id` and `X-App-Id`.
 * - `admin`: the operator's admin token.
 */
export type Credential = "public" | "write-key" | "webhook" | "api-key" | "org-key" | "admin";

export interface RoutePolicy {
  allow: readonly Credential[];
  /** The API key scope the route needs: `read` lets a read-only key in. */
  scope?: "read" | "write";
  /**
   * What the call acts on. `namespace`: an API key's own; for the admin
   * token the one named by `:name` or `?namespace=`. `org`: an org key's
   * own; for an API key the one of its namespace's orgs that `X-Org-Id` and
   * `X-App-Id` name. Unset: an API key acts on its namespace, the admin token on all.
   */
  actsOn?: "namespace" | "org";
  /** Ingest routes, whose write key may sit in the body: the authorize step reads it, within these limits, once. */
  body?: BodyLimits;
  /** A webhook route's platform. */
  platform?: Platform;
}

export interface PolicyRule extends RoutePolicy {
  method: string;
  path: string;
}

const PUBLIC: RoutePolicy = { allow: ["public"] };
const ADMIN: RoutePolicy = { allow: ["admin"] };
const NAMESPACE_READ: RoutePolicy = { allow: ["api-key", "admin"], scope: "read", actsOn: "namespace" };
const NAMESPACE_WRITE: RoutePolicy = { allow: ["api-key", "admin"], scope: "write", actsOn: "namespace" };
/** Routes that act on one namespace for a key and on every namespace for the admin token (sync jobs, Cairo). */
const CALLER_READ: RoutePolicy = { allow: ["api-key", "admin"], scope: "read" };
const CALLER_WRITE: RoutePolicy = { allow: ["api-key", "admin"], scope: "write" };
/** The seed APIs that never took the admin token. */
const KEY_READ: RoutePolicy = { allow: ["api-key"], scope: "read" };
const KEY_WRITE: RoutePolicy = { allow: ["api-key"], scope: "write" };
const ORG: RoutePolicy = { allow: ["org-key"], actsOn: "org" };
/** The Lead Service seed: an org key, or a namespace key whose org the headers pick. */
const SEED_ORG_READ: RoutePolicy = { allow: ["org-key", "api-key"], scope: "read", actsOn: "org" };
const SEED_ORG_WRITE: RoutePolicy = { allow: ["org-key", "api-key"], scope: "write", actsOn: "org" };

const INGEST_MESSAGE: RoutePolicy = { allow: ["write-key"], body: { maxBytes: MAX_MESSAGE_BYTES } };
// A batch's body holds the list, which holds the messages: two levels above a message's own.
const INGEST_BATCH: RoutePolicy = { allow: ["write-key"], body: { maxBytes: MAX_BATCH_BYTES, maxDepth: MAX_NESTING_DEPTH + 2 } };

type Table = ReadonlyArray<readonly [string, RoutePolicy]>;

const ingest: Table = [
  ...["track", "t", "identify", "i", "page", "p", "screen", "s", "group", "g", "alias", "a"].map((path) => [`POST /v1/${path}`, INGEST_MESSAGE] as const),
  ...["batch", "b", "import"].map((path) => [`POST /v1/${path}`, INGEST_BATCH] as const),
  ["GET /v1/projects/:writeKey/settings", { allow: ["write-key"] }],
  ["POST /webhooks/lemlist/:sourceId", { allow: ["webhook"], platform: "lemlist" }],
  ["POST /webhooks/smartlead/:sourceId", { allow: ["webhook"], platform: "smartlead" }],
];

const open: Table = [
  // The front door: redirects to the console.
  ["GET /", PUBLIC],
  ["GET /health", PUBLIC],
  ["GET /sdk.js", PUBLIC],
  ["GET /sdk/:file", PUBLIC],
  ["GET /app", PUBLIC],
  ["GET /app/*", PUBLIC],
];

const admin: Table = [
  ["GET /api/namespaces", ADMIN],
  ["POST /api/namespaces", ADMIN],
  ["GET /api/namespaces/:name", ADMIN],
  ["PATCH /api/namespaces/:name", ADMIN],
  ["DELETE /api/namespaces/:name", ADMIN],
  ["GET /api/namespaces/:name/stats", NAMESPACE_READ],
  ["GET /api/namespaces/:name/settings", ADMIN],
  ["PATCH /api/namespaces/:name/settings", ADMIN],
  ...["sources", "api-keys", "webhook-sources"].flatMap((keys): Table => [
    [`GET /api/namespaces/:name/${keys}`, ADMIN],
    [`POST /api/namespaces/:name/${keys}`, ADMIN],
    [`PATCH /api/namespaces/:name/${keys}/:id`, ADMIN],
    [`DELETE /api/namespaces/:name/${keys}/:id`, ADMIN],
    [`POST /api/namespaces/:name/${keys}/:id/rotate`, ADMIN],
  ]),
  ["POST /api/secrets/re-encrypt", ADMIN],
];

const management: Table = [
  ["GET /api/me", NAMESPACE_READ],
  ["GET /api/leads", NAMESPACE_READ],
  ["GET /api/leads/lookup", NAMESPACE_READ],
  ["GET /api/leads/overview", NAMESPACE_READ],
  ["GET /api/leads/export.csv", NAMESPACE_READ],
  ["GET /api/leads/:id", NAMESPACE_READ],
  ["GET /api/leads/:id/explain", NAMESPACE_READ],
  ["GET /api/leads/:id/intelligence", NAMESPACE_READ],
  ["GET /api/leads/:id/timeline", NAMESPACE_READ],
  ["GET /api/leads/:id/export", NAMESPACE_READ],
  ["GET /api/leads/:id/outbox", NAMESPACE_READ],
  ["DELETE /api/leads/:id", NAMESPACE_WRITE],
  ["POST /api/leads/:id/outbox/retry", NAMESPACE_WRITE],
  ["GET /api/leaderboard", NAMESPACE_READ],
  ["GET /api/leaderboard/by-stage", NAMESPACE_READ],
  ["GET /api/scoring-rules", NAMESPACE_READ],
  ["GET /api/scoring-rules/rescore-status", NAMESPACE_READ],
  ["POST /api/scoring-rules", NAMESPACE_WRITE],
  // A preview saves nothing: a read key may ask what a rule change would do.
  ["POST /api/scoring-rules/preview", NAMESPACE_READ],
  // The event names recent leads hold and what scores each: what the console offers to pick from.
  ["GET /api/scoring-rules/events", NAMESPACE_READ],
  ["PUT /api/scoring-rules/:id", NAMESPACE_WRITE],
  ["DELETE /api/scoring-rules/:id", NAMESPACE_WRITE],
  ["GET /api/icp-table", NAMESPACE_READ],
  ["PUT /api/icp-table", NAMESPACE_WRITE],
  ["DELETE /api/icp-table", NAMESPACE_WRITE],
  ["GET /api/destinations", NAMESPACE_READ],
  ["GET /api/destinations/catalogue", NAMESPACE_READ],
  ["GET /api/destinations/:id", NAMESPACE_READ],
  ["GET /api/destinations/:id/deliveries", NAMESPACE_READ],
  ["POST /api/destinations", NAMESPACE_WRITE],
  ["PUT /api/destinations/:id", NAMESPACE_WRITE],
  ["DELETE /api/destinations/:id", NAMESPACE_WRITE],
  ["POST /api/destinations/:id/test", NAMESPACE_WRITE],
  ["POST /api/destinations/:id/replay", NAMESPACE_WRITE],
  ["GET /api/automations", NAMESPACE_READ],
  ["POST /api/automations", NAMESPACE_WRITE],
  ["PUT /api/automations/:id", NAMESPACE_WRITE],
  ["DELETE /api/automations/:id", NAMESPACE_WRITE],
  ["GET /api/orgs", NAMESPACE_READ],
  ["POST /api/orgs", NAMESPACE_WRITE],
  ["DELETE /api/orgs/:id", NAMESPACE_WRITE],
  ["POST /api/orgs/:id/rotate", NAMESPACE_WRITE],
  // The account view: leads grouped by company (/api/accounts are outreach accounts).
  ["GET /api/companies", NAMESPACE_READ],
  ["GET /api/companies/:company/leads", NAMESPACE_READ],
  ["GET /api/accounts", NAMESPACE_READ],
  ["GET /api/accounts/:id", NAMESPACE_READ],
  ["POST /api/accounts", NAMESPACE_WRITE],
  ["DELETE /api/accounts/:id", NAMESPACE_WRITE],
  ["GET /api/buffers", NAMESPACE_READ],
  ["GET /api/model", NAMESPACE_READ],
  ["GET /api/model/outcomes", NAMESPACE_READ],
  ["GET /api/model/leads/:id", NAMESPACE_READ],
  ["PUT /api/model/outcomes", NAMESPACE_WRITE],
  ["POST /api/model/train", NAMESPACE_WRITE],
  ["GET /api/archive/files", NAMESPACE_READ],
  ["GET /api/archive/files/*", NAMESPACE_READ],
  ["GET /api/live", NAMESPACE_READ],
  ["GET /api/sync/jobs", CALLER_READ],
  ["GET /api/sync/jobs/:id", CALLER_READ],
  ["POST /api/sync/jobs", CALLER_WRITE],
  ["DELETE /api/sync/jobs/:id", CALLER_WRITE],
  ["POST /api/sync/jobs/:id/resume", CALLER_WRITE],
  ["POST /api/sync/config/validate", CALLER_WRITE],
];

const leadService: Table = [
  ["POST /buffer/push", ORG],
  ["POST /buffer/next", ORG],
  ["POST /buffer/ack", ORG],
  ["POST /buffer/requeue", ORG],
  ["GET /buffer/stats/:namespace", ORG],
  ["GET /leads", ORG],
  ["GET /cursor/:namespace", ORG],
  ["PUT /cursor/:namespace", ORG],
  ["POST /enrich", ORG],
  // An organisation's own figures; the deployment's to the admin token.
  ["GET /enrich/stats", { allow: ["org-key", "admin"], actsOn: "org" }],
];

const LEAD_SCORING = "/compat/lead-scoring";
const LEAD_SERVICE = "/compat/lead-service";
const CAIRO = "/compat/cairo";

const compat: Table = [
  [`GET ${LEAD_SCORING}/api/health`, PUBLIC],
  // The seed's worker answered its own health check (port 5000); here the one Worker does.
  [`GET ${LEAD_SCORING}/health`, PUBLIC],
  [`POST ${LEAD_SCORING}/api/events`, KEY_WRITE],
  [`POST ${LEAD_SCORING}/api/events/batch`, KEY_WRITE],
  [`POST ${LEAD_SCORING}/api/leads`, KEY_WRITE],
  [`GET ${LEAD_SCORING}/api/leads`, KEY_READ],
  [`GET ${LEAD_SCORING}/api/leads/:id`, KEY_READ],
  [`GET ${LEAD_SCORING}/api/leads/:id/timeline`, KEY_READ],
  [`GET ${LEAD_SCORING}/api/leads/:id/intelligence`, KEY_READ],
  [`GET ${LEAD_SCORING}/api/leaderboard`, KEY_READ],
  [`GET ${LEAD_SCORING}/api/leaderboard/by-stage`, KEY_READ],
  [`GET ${LEAD_SCORING}/api/scoring-rules`, KEY_READ],
  [`POST ${LEAD_SCORING}/api/scoring-rules`, KEY_WRITE],
  [`GET ${LEAD_SCORING}/api/automations`, KEY_READ],
  [`POST ${LEAD_SCORING}/api/automations`, KEY_WRITE],

  [`GET ${LEAD_SERVICE}/health`, PUBLIC],
  [`POST ${LEAD_SERVICE}/buffer/push`, SEED_ORG_WRITE],
  [`POST ${LEAD_SERVICE}/buffer/next`, SEED_ORG_WRITE],
  [`POST ${LEAD_SERVICE}/enrich`, SEED_ORG_WRITE],
  [`GET ${LEAD_SERVICE}/leads`, SEED_ORG_READ],
  [`GET ${LEAD_SERVICE}/cursor/:namespace`, SEED_ORG_READ],
  [`PUT ${LEAD_SERVICE}/cursor/:namespace`, SEED_ORG_WRITE],

  [`GET ${CAIRO}/health`, PUBLIC],
  [`GET ${CAIRO}/health/simple`, PUBLIC],
  // Answers anyone; which enrichment providers are configured only to a caller with a valid key.
  [`GET ${CAIRO}/health/detailed`, { allow: ["public", "api-key", "admin"], scope: "read" }],
  [`POST ${CAIRO}/api/events/track`, CALLER_WRITE],
  [`POST ${CAIRO}/api/events/identify`, CALLER_WRITE],
  [`POST ${CAIRO}/api/events/batch`, CALLER_WRITE],
  [`GET ${CAIRO}/api/events/stats`, CALLER_READ],
  [`GET ${CAIRO}/api/events/health`, CALLER_READ],
  [`GET ${CAIRO}/api/namespaces`, CALLER_READ],
  [`POST ${CAIRO}/api/namespaces`, ADMIN],
  [`GET ${CAIRO}/api/namespaces/:name`, CALLER_READ],
  [`PUT ${CAIRO}/api/namespaces/:name`, ADMIN],
  [`GET ${CAIRO}/api/namespaces/:name/stats`, CALLER_READ],
  [`POST ${CAIRO}/api/full-sync/execute`, CALLER_WRITE],
  [`POST ${CAIRO}/api/full-sync/execute-async`, CALLER_WRITE],
  [`GET ${CAIRO}/api/full-sync/status/:jobId`, CALLER_READ],
  [`DELETE ${CAIRO}/api/full-sync/cancel/:jobId`, CALLER_WRITE],
  [`GET ${CAIRO}/api/full-sync/jobs`, CALLER_READ],
  [`GET ${CAIRO}/api/full-sync/health`, CALLER_READ],
  [`GET ${CAIRO}/api/full-sync/namespaces`, CALLER_READ],
  [`POST ${CAIRO}/api/full-sync/config/validate`, CALLER_WRITE],
  [`GET ${CAIRO}/api/test/database`, CALLER_READ],
  [`GET ${CAIRO}/api/test/health`, CALLER_READ],
  [`POST ${CAIRO}/api/test/apollo`, CALLER_WRITE],
  [`POST ${CAIRO}/api/test/hunter`, CALLER_WRITE],
  [`GET ${CAIRO}/api/periodic-sync/status`, CALLER_READ],
  [`POST ${CAIRO}/api/periodic-sync/start`, CALLER_WRITE],
  [`POST ${CAIRO}/api/periodic-sync/stop`, CALLER_WRITE],
  [`PUT ${CAIRO}/api/periodic-sync/config`, CALLER_WRITE],
  [`GET ${CAIRO}/api/periodic-sync/schedules`, CALLER_READ],
  [`GET ${CAIRO}/api/periodic-sync/history`, CALLER_READ],
  [`POST ${CAIRO}/api/periodic-sync/sync-now`, CALLER_WRITE],
  [`GET ${CAIRO}/api/jobs`, CALLER_READ],
  [`GET ${CAIRO}/api/jobs/status`, CALLER_READ],
  [`GET ${CAIRO}/api/jobs/status/:name`, CALLER_READ],
  [`GET ${CAIRO}/api/jobs/logs/:name`, CALLER_READ],
  [`POST ${CAIRO}/api/jobs/stop/:name`, CALLER_WRITE],
  [`POST ${CAIRO}/api/jobs/trigger/:name`, CALLER_WRITE],
  [`POST ${CAIRO}/api/scoring/calculate`, CALLER_WRITE],
  [`POST ${CAIRO}/api/scoring/score-and-sync`, CALLER_WRITE],
  [`POST ${CAIRO}/api/scoring/sync-to-attio`, CALLER_WRITE],
  [`POST ${CAIRO}/api/scoring/master-score-all`, CALLER_WRITE],
  // Cairo's legacy sync routes: a GET that starts a sync, as Cairo's did.
  [`GET ${CAIRO}/initial-sync`, CALLER_WRITE],
  [`GET ${CAIRO}/delta-sync`, CALLER_WRITE],
  [`GET ${CAIRO}/sync-status`, CALLER_READ],
];

export const POLICY: readonly PolicyRule[] = [...open, ...ingest, ...admin, ...management, ...leadService, ...compat].map(([route, policy]) => {
  const [method, path] = route.split(" ") as [string, string];
  return { method, path, ...policy };
});

interface CompiledRule {
  rule: PolicyRule;
  pattern: RoutePattern;
}

const byMethod = new Map<string, CompiledRule[]>();
for (const rule of POLICY) {
  const rules = byMethod.get(rule.method) ?? [];
  rules.push({ rule, pattern: compilePattern(rule.path) });
  byMethod.set(rule.method, rules);
}

export interface PolicyMatch {
  rule: PolicyRule;
  /** The path's parameters, as the rule's pattern names them. */
  params: Record<string, string>;
}

/** The rule for a request, the most specific where several match; undefined when none does. HEAD is GET's. */
export function policyFor(method: string, path: string): PolicyMatch | undefined {
  const rules = byMethod.get(method === "HEAD" ? "GET" : method) ?? [];
  const parts = splitPath(path);
  let best: (CompiledRule & { params: Record<string, string> }) | undefined;
  for (const candidate of rules) {
    const params = matchPattern(candidate.pattern, parts);
    if (params && (!best || moreSpecific(candidate.pattern, best.pattern) < 0)) best = { ...candidate, params };
  }
  return best && { rule: best.rule, params: best.params };
}
