import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { Organization, Person } from "../enrichment/types";

/**
 * What every kind of key keeps for rotation and listing: after a rotation the
 * old key's hash stays valid until `previous_expires_at` (the grace period),
 * and `last_used_at` is refreshed at most once a minute per isolate.
 */
function rotatedKeyColumns(previousHashColumn: string) {
  return {
    previousKeyHash: text(previousHashColumn),
    previousExpiresAt: integer("previous_expires_at"),
    lastUsedAt: integer("last_used_at"),
  };
}

/** A tenant: its leads, sources and keys are invisible to every other namespace. */
export const namespaces = sqliteTable("namespaces", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  createdAt: integer("created_at").notNull(),
});

/** Something that sends events (a website, a backend, an outreach tool), with its write key. */
export const sources = sqliteTable(
  "sources",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    name: text("name").notNull(),
    writeKeyHash: text("write_key_hash").notNull().unique(),
    /** JSON RateLimit; null means the default (RATE_LIMIT_SOURCE_DEFAULT). */
    rateLimit: text("rate_limit"),
    createdAt: integer("created_at").notNull(),
    /** The key's first characters (e.g. `wk_3f9a`), to tell keys apart in a list; null for keys made before it was kept. */
    keyPrefix: text("key_prefix"),
    ...rotatedKeyColumns("previous_write_key_hash"),
  },
  (table) => [index("sources_namespace_idx").on(table.namespaceId), index("sources_previous_key_idx").on(table.previousKeyHash)],
);

/** Management API keys; only the SHA-256 of the key is kept, the key is shown once. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    keyPrefix: text("key_prefix").notNull(),
    /** JSON RateLimit; null means the default (RATE_LIMIT_API_KEY_DEFAULT). */
    rateLimit: text("rate_limit"),
    /** "read" keys may only read (GET); "write" keys may also change things. */
    scope: text("scope", { enum: ["read", "write"] }).notNull().default("write"),
    createdAt: integer("created_at").notNull(),
    ...rotatedKeyColumns("previous_key_hash"),
  },
  (table) => [index("api_keys_namespace_idx").on(table.namespaceId), index("api_keys_previous_key_idx").on(table.previousKeyHash)],
);

/**
 * Identity index: which lead holds a userId, anonymousId or email. Written by
 * the lead objects themselves; read by lookups.
 */
export const leadIdentities = sqliteTable(
  "lead_identities",
  {
    namespaceId: text("namespace_id").notNull(),
    kind: text("kind", { enum: ["userId", "anonymousId", "email"] }).notNull(),
    value: text("value").notNull(),
    leadId: text("lead_id").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.namespaceId, table.kind, table.value] }),
    index("lead_identities_lead_idx").on(table.leadId),
  ],
);

/** A namespace's scoring rules; any change bumps `namespace_scoring.version` and queues a rescore. */
export const scoringRules = sqliteTable(
  "scoring_rules",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    event: text("event").notNull(),
    points: integer("points").notNull(),
    /** JSON array of { property, op, value }. */
    conditions: text("conditions").notNull(),
    cap: integer("cap"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("scoring_rules_namespace_idx").on(table.namespaceId)],
);

/** Scoring settings of a namespace: the version lead objects compare against, and its ICP table. */
export const namespaceScoring = sqliteTable("namespace_scoring", {
  namespaceId: text("namespace_id")
    .primaryKey()
    .references(() => namespaces.id),
  version: integer("version").notNull(),
  /** JSON IcpTable; null means the default table. */
  icpTable: text("icp_table"),
  /** Events older than this many days are pruned by each lead's alarm; null keeps them. */
  retentionDays: integer("retention_days"),
  updatedAt: integer("updated_at").notNull(),
});

/** Background rescoring of every lead of a namespace after a scoring change. */
export const rescoreJobs = sqliteTable(
  "rescore_jobs",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id").notNull(),
    scoringVersion: integer("scoring_version").notNull(),
    status: text("status", { enum: ["queued", "running", "completed"] }).notNull(),
    total: integer("total").notNull(),
    processed: integer("processed").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("rescore_jobs_namespace_idx").on(table.namespaceId, table.createdAt)],
);

/**
 * The lead projection: each lead's summary, upserted by the projection queue
 * consumer. Lists, leaderboards and stats read it; it trails the lead objects
 * by seconds. `version` only grows, so a late message never overwrites a newer one.
 */
export const leadProjection = sqliteTable(
  "lead_projection",
  {
    namespaceId: text("namespace_id").notNull(),
    leadId: text("lead_id").notNull(),
    score: real("score").notNull(),
    behaviourScore: real("behaviour_score").notNull(),
    icpScore: real("icp_score").notNull(),
    stage: text("stage").notNull(),
    grade: text("grade").notNull(),
    velocity: real("velocity").notNull(),
    eventCount: integer("event_count").notNull(),
    userId: text("user_id"),
    email: text("email"),
    /**
     * The lead's company (identify traits, else a corporate email's domain; src/leads/company.ts) and its name,
     * for the list's search and the company view. Not indexed: each index costs a row written per summary;
     * search and grouping read the namespace's rows through the primary key instead.
     */
    company: text("company"),
    name: text("name"),
    firstSeen: integer("first_seen"),
    lastActivity: integer("last_activity"),
    /** The lead's events per hour over its last day, as JSON { "<ts / 3,600,000>": count } (see src/leads/hourly.ts). */
    recentHours: text("recent_hours"),
    /**
     * Calibrated chance (0–1) the lead converts within the predictive model's
     * horizon, as of its last summary; null when its namespace has no model
     * in use (docs/predictive-score.md). Not indexed: sorting by it reads the
     * namespace's rows, and an index would cost a row written per summary.
     */
    conversionProbability: real("conversion_probability"),
    /** The three features that moved it most, as JSON [{ feature, contribution }]. */
    conversionFeatures: text("conversion_features"),
    scoringVersion: integer("scoring_version").notNull(),
    version: integer("version").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.namespaceId, table.leadId] }),
    // Each index is a row written per summary (issue 27): the two sorts lists use most; stage and
    // "changed since" filters walk the score index or the namespace's rows (reads cost ~1,000× less).
    index("lead_projection_score_idx").on(table.namespaceId, table.score),
    index("lead_projection_activity_idx").on(table.namespaceId, table.lastActivity),
  ],
);

/** Where a namespace's events go: one row per configured destination. */
export const destinations = sqliteTable(
  "destinations",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    name: text("name").notNull(),
    type: text("type").notNull(),
    /** JSON, shaped by the destination type's schema. */
    config: text("config").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    /** JSON: { allow?: string[], deny?: string[], mapping?: Record<string,string>, mask?: string[] } */
    filters: text("filters").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("destinations_namespace_idx").on(table.namespaceId)],
);

/**
 * The delivery log as it was before delivery shards (durable/delivery-object.ts)
 * took it over: no longer written; kept so older rows still export and erase.
 */
export const deliveries = sqliteTable(
  "deliveries",
  {
    destinationId: text("destination_id").notNull(),
    messageId: text("message_id").notNull(),
    leadId: text("lead_id").notNull(),
    status: text("status", { enum: ["delivered", "retrying", "dead"] }).notNull(),
    attempts: integer("attempts").notNull(),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    payload: text("payload"),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.destinationId, table.messageId] }),
    index("deliveries_status_idx").on(table.destinationId, table.status, table.updatedAt),
  ],
);

/** When a lead's stage, score or velocity reaches a threshold, do something. */
export const automations = sqliteTable(
  "automations",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    name: text("name").notNull(),
    /** JSON AutomationTrigger. */
    trigger: text("trigger").notNull(),
    /** JSON AutomationAction. */
    action: text("action").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("automations_namespace_idx").on(table.namespaceId)],
);

/** At most one firing per automation, lead and UTC day. */
export const automationFirings = sqliteTable(
  "automation_firings",
  {
    automationId: text("automation_id").notNull(),
    leadId: text("lead_id").notNull(),
    day: text("day").notNull(),
    firedAt: integer("fired_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.automationId, table.leadId, table.day] })],
);

// ── Lead service: organisations, the lead buffer, cursors ────────────────────

/**
 * An organisation of the lead-service API (an outreach app's customer),
 * attached to the namespace its leads belong to. Its key is stored hashed.
 */
export const orgs = sqliteTable(
  "orgs",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    clerkOrgId: text("clerk_org_id").notNull(),
    appId: text("app_id").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    keyPrefix: text("key_prefix").notNull(),
    createdAt: integer("created_at").notNull(),
    ...rotatedKeyColumns("previous_key_hash"),
  },
  // Unique per namespace: another namespace may use the same org id without either learning of the other.
  (table) => [uniqueIndex("orgs_namespace_clerk_app_idx").on(table.namespaceId, table.clerkOrgId, table.appId), index("orgs_previous_key_idx").on(table.previousKeyHash)],
);

/**
 * Leads pushed for outreach workers to pull one at a time. One row per
 * (org, namespace, email) for ever: a served email is never buffered again.
 * status: buffered → claimed (by /buffer/next, until claim_expires_at) → served (acknowledged).
 */
export const bufferedLeads = sqliteTable(
  "buffered_leads",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id),
    namespace: text("namespace").notNull(),
    email: text("email").notNull(),
    externalId: text("external_id"),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    brandId: text("brand_id"),
    clerkUserId: text("clerk_user_id"),
    parentRunId: text("parent_run_id"),
    status: text("status", { enum: ["buffered", "claimed", "served", "parked"] }).notNull(),
    claimRunId: text("claim_run_id"),
    claimKey: text("claim_key"),
    claimExpiresAt: integer("claim_expires_at"),
    claims: integer("claims").notNull().default(0),
    servedAt: integer("served_at"),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [
    uniqueIndex("buffered_leads_email_idx").on(table.orgId, table.namespace, table.email),
    index("buffered_leads_queue_idx").on(table.orgId, table.namespace, table.status, table.id),
    index("buffered_leads_claims_idx").on(table.orgId, table.namespace, table.status, table.claimExpiresAt),
    // A retried /buffer/next (same run and Idempotency-Key) can only ever hold one lead.
    uniqueIndex("buffered_leads_claim_idx").on(table.orgId, table.claimRunId, table.claimKey).where(sql`claim_key IS NOT NULL`),
    index("buffered_leads_email_lookup_idx").on(table.email),
  ],
);

/** A caller's own paging state per namespace (`PUT /cursor/:namespace`). */
export const bufferCursors = sqliteTable(
  "buffer_cursors",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id),
    namespace: text("namespace").notNull(),
    state: text("state", { mode: "json" }).$type<unknown>().notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.orgId, table.namespace] })],
);

// ── Enrichment: one global cache by email, provider usage and counters ──────

/**
 * What the providers found for an email, shared by every namespace so no
 * provider is paid twice. `state` pending = one caller holds the lookup
 * until `lock_until`; done rows are fresh until `expires_at`.
 */
export const enrichmentCache = sqliteTable("enrichment_cache", {
  email: text("email").primaryKey(),
  state: text("state", { enum: ["pending", "done"] }).notNull(),
  lockUntil: integer("lock_until").notNull().default(0),
  found: integer("found", { mode: "boolean" }).notNull().default(false),
  person: text("person", { mode: "json" }).$type<Person>(),
  organization: text("organization", { mode: "json" }).$type<Organization>(),
  provider: text("provider"),
  confidence: integer("confidence"),
  fetchedAt: integer("fetched_at"),
  expiresAt: integer("expires_at").notNull().default(0),
});

/** Calls per provider per minute window, for the providers' rate limits. */
export const enrichmentUsage = sqliteTable(
  "enrichment_usage",
  {
    provider: text("provider").notNull(),
    windowStart: integer("window_start").notNull(),
    calls: integer("calls").notNull(),
  },
  (table) => [primaryKey({ columns: [table.provider, table.windowStart] })],
);

/**
 * Which emails each lead-service organisation has looked up, so `cached` is
 * reported per organisation (the global cache answering for an email only
 * another tenant asked about must not reveal that lookup), with its counters.
 */
export const orgEnrichmentLookups = sqliteTable(
  "org_enrichment_lookups",
  {
    orgId: text("org_id").notNull(),
    email: text("email").notNull(),
    firstAt: integer("first_at").notNull(),
    /** When this organisation's current answer was fetched for it: its first lookup, or its last that asked a provider (null: first_at). */
    answeredAt: integer("answered_at"),
  },
  (table) => [primaryKey({ columns: [table.orgId, table.email] }), index("org_enrichment_lookups_email_idx").on(table.email)],
);

export const orgEnrichmentStats = sqliteTable("org_enrichment_stats", {
  orgId: text("org_id").primaryKey(),
  lookups: integer("lookups").notNull().default(0),
  /** Lookups of an email this organisation had asked about before. */
  hits: integer("hits").notNull().default(0),
});

/** Running counters per provider (and `cache` for the cache itself). */
export const enrichmentStats = sqliteTable("enrichment_stats", {
  provider: text("provider").primaryKey(),
  calls: integer("calls").notNull().default(0),
  hits: integer("hits").notNull().default(0),
  misses: integer("misses").notNull().default(0),
  errors: integer("errors").notNull().default(0),
  rateLimited: integer("rate_limited").notNull().default(0),
  costMicros: integer("cost_micros").notNull().default(0),
  unavailableUntil: integer("unavailable_until").notNull().default(0),
});
/**
 * Identities of erased leads, as SHA-256 of their lead object name
 * (`namespace/kind/value`), never in the clear. Events naming one are dropped
 * and counted in `dropped_events`.
 */
export const suppressedIdentities = sqliteTable(
  "suppressed_identities",
  {
    namespaceId: text("namespace_id").notNull(),
    identityHash: text("identity_hash").notNull(),
    kind: text("kind", { enum: ["userId", "anonymousId", "email"] }).notNull(),
    droppedEvents: integer("dropped_events").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.namespaceId, table.identityHash] })],
);

/**
 * Leads that must not appear in the projection again: erased ones, and ones
 * merged into another lead. A projection upsert that arrives late for one of
 * them is undone in the same D1 batch.
 */
export const leadTombstones = sqliteTable(
  "lead_tombstones",
  {
    leadId: text("lead_id").primaryKey(),
    namespaceId: text("namespace_id").notNull(),
    reason: text("reason", { enum: ["erased", "merged"] }).notNull(),
    at: integer("at").notNull(),
  },
  (table) => [index("lead_tombstones_namespace_idx").on(table.namespaceId)],
);

// ───────────────────────────────────────────────────────────────────────────
// Outreach sources (Lemlist, Smartlead): keyword routing, webhook sources,
// connected accounts and sync jobs. All in one migration.
// ───────────────────────────────────────────────────────────────────────────

/**
 * Campaign-name keywords that route outreach activity to a namespace. A
 * keyword (lower case, words separated by single spaces) belongs to one
 * namespace, so a match is never ambiguous.
 */
export const namespaceKeywords = sqliteTable(
  "namespace_keywords",
  {
    keyword: text("keyword").primaryKey(),
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("namespace_keywords_namespace_idx").on(table.namespaceId)],
);

/**
 * Routing consent: `namespace_id` accepts outreach activity routed to it by
 * keyword from syncs and webhooks of `source_namespace_id`. Without a row,
 * activity never leaves the namespace whose account or webhook brought it.
 */
export const namespaceRouteAcceptance = sqliteTable(
  "namespace_route_acceptance",
  {
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    sourceNamespaceId: text("source_namespace_id")
      .notNull()
      .references(() => namespaces.id),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.namespaceId, table.sourceNamespaceId] }), index("namespace_route_acceptance_source_idx").on(table.sourceNamespaceId)],
);

/** A Lemlist or Smartlead webhook endpoint; activity that matches no keyword lands in its namespace. */
export const webhookSources = sqliteTable(
  "webhook_sources",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    platform: text("platform", { enum: ["lemlist", "smartlead"] }).notNull(),
    name: text("name").notNull(),
    /** SHA-256 of the secret we issued; the secret is shown once. */
    secretHash: text("secret_hash").notNull(),
    createdAt: integer("created_at").notNull(),
    /** JSON RateLimit; null means the default (RATE_LIMIT_WEBHOOK_DEFAULT). */
    rateLimit: text("rate_limit"),
    /** The secret's first characters (e.g. `whs_3f9`); null for sources made before it was kept. */
    keyPrefix: text("key_prefix"),
    ...rotatedKeyColumns("previous_secret_hash"),
  },
  (table) => [index("webhook_sources_namespace_idx").on(table.namespaceId)],
);

/**
 * A namespace's account at an outreach tool, read by sync jobs. The API key
 * is needed in clear to call the tool, so it is kept as given and never shown again.
 */
export const connectedAccounts = sqliteTable(
  "connected_accounts",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id")
      .notNull()
      .references(() => namespaces.id),
    platform: text("platform", { enum: ["lemlist", "smartlead"] }).notNull(),
    name: text("name").notNull(),
    apiKey: text("api_key").notNull(),
    /** Overrides LEMLIST_API_URL / SMARTLEAD_API_URL for this account. */
    baseUrl: text("base_url"),
    /** ISO time: activity at or after it is what a delta sync still reads (null: never synced). */
    watermark: text("watermark"),
    lastSyncedAt: integer("last_synced_at"),
    /** Whether the Cron Trigger syncs this account (Cairo's periodic sync start/stop). */
    syncEnabled: integer("sync_enabled", { mode: "boolean" }).notNull().default(true),
    /** Minutes between scheduled syncs; null: every cron tick. */
    syncIntervalMinutes: integer("sync_interval_minutes"),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("connected_accounts_namespace_idx").on(table.namespaceId)],
);

/** A sync run over some accounts: started by a user (`api`) or the Cron Trigger (`cron`). */
export const syncJobs = sqliteTable(
  "sync_jobs",
  {
    id: text("id").primaryKey(),
    /** The namespace whose API key started it; null for the admin token. */
    ownerNamespaceId: text("owner_namespace_id"),
    trigger: text("trigger", { enum: ["api", "cron"] }).notNull(),
    mode: text("mode", { enum: ["full_historical", "delta_since_last", "date_range", "reset_from_date"] }).notNull(),
    /** JSON SyncJobConfig: platforms, namespaces, dateRange, resetDate, batchSize, callbackUrl. */
    config: text("config").notNull(),
    status: text("status", { enum: ["queued", "in_progress", "completed", "failed", "cancelled"] }).notNull(),
    /** null, then `sent` or `failed: …` once the callback was tried. */
    callbackState: text("callback_state"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (table) => [index("sync_jobs_owner_idx").on(table.ownerNamespaceId, table.createdAt)],
);

/**
 * One account's part of a sync job, paged by the sync queue. `position` is
 * where the next page starts and only moves after a page is durable; `step`
 * counts pages so a stale or repeated queue message is recognised.
 * `activeAccountId` is the account id while the task runs, so the unique
 * index lets only one sync per account run at a time.
 */
export const syncTasks = sqliteTable(
  "sync_tasks",
  {
    id: text("id").primaryKey(),
    jobId: text("job_id").notNull(),
    accountId: text("account_id").notNull(),
    platform: text("platform", { enum: ["lemlist", "smartlead"] }).notNull(),
    status: text("status", { enum: ["queued", "in_progress", "completed", "failed", "cancelled"] }).notNull(),
    activeAccountId: text("active_account_id").unique(),
    /** JSON page position, shaped by the platform; null before the first page. */
    position: text("position"),
    step: integer("step").notNull(),
    /** Activities read from the tool, events new to their leads, events already there. */
    read: integer("read").notNull(),
    imported: integer("imported").notNull(),
    duplicates: integer("duplicates").notNull(),
    /** How many activities there are to read, when the tool says. */
    total: integer("total"),
    /** Failed tries of the current page. */
    attempts: integer("attempts").notNull(),
    /** JSON array of { at, message }, the last few. */
    errors: text("errors").notNull(),
    /** Newest activity time this run saw (ISO): the account's next watermark. */
    newestSeen: text("newest_seen"),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("sync_tasks_job_idx").on(table.jobId)],
);

/**
 * The predictive score (src/predict): what "converted" means in a namespace,
 * as canonical event names and/or stages reached (JSON arrays).
 */
export const predictionOutcomes = sqliteTable("prediction_outcomes", {
  namespaceId: text("namespace_id").primaryKey(),
  events: text("events").notNull(),
  stages: text("stages").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The namespace's latest training result: a model (JSON: feature space,
 * weights, calibration) with its evaluation report, or why there is none.
 */
export const predictionModels = sqliteTable("prediction_models", {
  namespaceId: text("namespace_id").primaryKey(),
  status: text("status", { enum: ["trained", "insufficient"] }).notNull(),
  /** Whether the model ranks leads (it beat the rules on the holdout). */
  used: integer("used", { mode: "boolean" }).notNull(),
  reason: text("reason").notNull(),
  /** JSON PredictiveModel; null when status is insufficient. */
  model: text("model"),
  /** JSON ModelReport, or the counts that fell short. */
  report: text("report").notNull(),
  trainedAt: integer("trained_at").notNull(),
  runId: text("run_id").notNull(),
});

/**
 * One training run of a namespace, paged through its leads by the jobs
 * queue: `collecting` pages of examples, then `fitting`, then done.
 * `activeNamespaceId` is set while the run is unfinished, so the unique index
 * lets one run per namespace go at a time.
 */
export const predictionRuns = sqliteTable(
  "prediction_runs",
  {
    id: text("id").primaryKey(),
    namespaceId: text("namespace_id").notNull(),
    activeNamespaceId: text("active_namespace_id").unique(),
    trigger: text("trigger", { enum: ["api", "cron"] }).notNull(),
    status: text("status", { enum: ["collecting", "fitting", "completed", "failed"] }).notNull(),
    /** JSON: the outcome definition and snapshot plan the run uses throughout. */
    spec: text("spec").notNull(),
    pages: integer("pages").notNull(),
    leads: integer("leads").notNull(),
    examples: integer("examples").notNull(),
    error: text("error"),
    startedAt: integer("started_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("prediction_runs_namespace_idx").on(table.namespaceId, table.startedAt)],
);

/** Examples gathered by one page of a run (JSON array), kept until the run is fitted. */
export const predictionExamplePages = sqliteTable(
  "prediction_example_pages",
  {
    runId: text("run_id").notNull(),
    page: integer("page").notNull(),
    examples: text("examples").notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.page] })],
);
