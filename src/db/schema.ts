import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
