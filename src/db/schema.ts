import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
  },
  (table) => [index("sources_namespace_idx").on(table.namespaceId)],
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
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("api_keys_namespace_idx").on(table.namespaceId)],
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
    firstSeen: integer("first_seen"),
    lastActivity: integer("last_activity"),
    scoringVersion: integer("scoring_version").notNull(),
    version: integer("version").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.namespaceId, table.leadId] }),
    index("lead_projection_score_idx").on(table.namespaceId, table.score),
    index("lead_projection_activity_idx").on(table.namespaceId, table.lastActivity),
    index("lead_projection_stage_idx").on(table.namespaceId, table.stage, table.score),
    index("lead_projection_updated_idx").on(table.namespaceId, table.updatedAt),
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
 * The delivery log: one row per destination and message. Dead rows keep the
 * payload so they can be replayed.
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
