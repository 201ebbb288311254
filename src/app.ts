import { Hono } from "hono";
import type { AppEnv } from "./http/app-env";
import { ApiError, errorResponse } from "./http/errors";
import { ingestRoutes } from "./routes/ingest";
import { adminRoutes } from "./routes/admin";
import { leadRoutes } from "./routes/leads";
import { leadInsightRoutes } from "./routes/lead-insights";
import { scoringPreviewRoutes } from "./routes/scoring-preview";
import { icpTableRoutes, scoringRuleRoutes } from "./routes/scoring";
import { leaderboardRoutes } from "./routes/leaderboard";
import { destinationRoutes } from "./routes/destinations";
import { automationRoutes } from "./routes/automations";
import { orgRoutes } from "./routes/orgs";
import { bufferRoutes } from "./lead-service/routes/buffer";
import { cursorRoutes, servedLeadRoutes } from "./lead-service/routes/served-leads";
import { enrichRoutes } from "./routes/enrich";
import { securityHeaders } from "./http/security-headers";
import { ingestCors, managementCors } from "./http/cors";
import { liveRoutes } from "./routes/live";
import { assetRoutes } from "./routes/assets";
import { webhookRoutes } from "./outreach/routes/webhooks";
import { syncRoutes } from "./outreach/routes/sync";
import { accountRoutes } from "./outreach/routes/accounts";
import { companyRoutes } from "./routes/companies";
import { meRoutes } from "./routes/me";
import { bufferOverviewRoutes } from "./lead-service/routes/overview";
import { secretRoutes } from "./routes/secrets";
import { leadScoringCompat } from "./compat/lead-scoring/routes";
import { leadServiceCompat } from "./compat/lead-service/routes";
import { cairoCompat } from "./compat/cairo/routes";
import { archiveRoutes } from "./routes/archive";
import { authorize } from "./http/authorize";
import { seedErrors } from "./compat/shared";
import { modelRoutes } from "./routes/model";

export const app = new Hono<AppEnv>();

app.use("*", securityHeaders);
app.use("/v1/*", ingestCors);
app.use("/webhooks/*", ingestCors);
app.use("/api/*", managementCors);
// Who may call each route: src/http/policy.ts, for every surface below.
app.use("*", authorize);

app.get("/health", (c) => c.json({ status: "ok" }));
// The front door: the console (it asks for a key; the API is under /v1 and /api).
app.get("/", (c) => c.redirect("/app/", 302));
app.route("/v1", ingestRoutes);
app.route("/api/namespaces", adminRoutes);
// Before leadRoutes: /overview and /export.csv are not lead ids.
app.route("/api/leads", leadInsightRoutes);
app.route("/api/leads", leadRoutes);
app.route("/api/scoring-rules", scoringPreviewRoutes);
app.route("/api/scoring-rules", scoringRuleRoutes);
app.route("/api/icp-table", icpTableRoutes);
app.route("/api/leaderboard", leaderboardRoutes);
app.route("/api/destinations", destinationRoutes);
app.route("/api/automations", automationRoutes);
app.route("/api/orgs", orgRoutes);
// The lead-service API for outreach workers (X-API-Key, X-Org-Id, X-App-Id).
app.route("/buffer", bufferRoutes);
app.route("/leads", servedLeadRoutes);
app.route("/cursor", cursorRoutes);
app.route("/enrich", enrichRoutes);
app.route("/api/live", liveRoutes);
app.route("/", assetRoutes);
app.route("/webhooks", webhookRoutes);
app.route("/api/accounts", accountRoutes);
app.route("/api/companies", companyRoutes);
app.route("/api/sync", syncRoutes);
app.route("/api/me", meRoutes);
app.route("/api/buffers", bufferOverviewRoutes);
app.route("/api/secrets", secretRoutes);
app.route("/api/archive", archiveRoutes);
app.route("/api/model", modelRoutes);
// The seeds' own APIs, as thin adapters over the core (see MIGRATING.md).
app.route("/compat/lead-scoring", leadScoringCompat);
app.route("/compat/lead-service", leadServiceCompat);
app.route("/compat/cairo", cairoCompat);

app.notFound((c) => errorResponse(c, new ApiError(404, "not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)));

// Cairo's answers keep its `success: false` beside the error, also when the authorize step refuses the call.
const cairoErrors = seedErrors("success-flag");

app.onError((error, c) => {
  if (new URL(c.req.url).pathname.startsWith("/compat/cairo/")) return cairoErrors(error, c);
  if (error instanceof ApiError) return errorResponse(c, error);
  console.error("unhandled error", error);
  return errorResponse(c, new ApiError(500, "internal_error", "something went wrong on our side; retry the call"));
});
