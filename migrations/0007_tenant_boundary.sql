CREATE TABLE `namespace_route_acceptance` (
	`namespace_id` text NOT NULL,
	`source_namespace_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`namespace_id`, `source_namespace_id`),
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`source_namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `namespace_route_acceptance_source_idx` ON `namespace_route_acceptance` (`source_namespace_id`);--> statement-breakpoint
CREATE TABLE `org_enrichment_lookups` (
	`org_id` text NOT NULL,
	`email` text NOT NULL,
	`first_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `email`)
);
--> statement-breakpoint
CREATE INDEX `org_enrichment_lookups_email_idx` ON `org_enrichment_lookups` (`email`);--> statement-breakpoint
CREATE TABLE `org_enrichment_stats` (
	`org_id` text PRIMARY KEY NOT NULL,
	`lookups` integer DEFAULT 0 NOT NULL,
	`hits` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
DROP INDEX `orgs_clerk_app_idx`;--> statement-breakpoint
ALTER TABLE `orgs` ADD `previous_key_hash` text;--> statement-breakpoint
ALTER TABLE `orgs` ADD `previous_expires_at` integer;--> statement-breakpoint
ALTER TABLE `orgs` ADD `last_used_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `orgs_namespace_clerk_app_idx` ON `orgs` (`namespace_id`,`clerk_org_id`,`app_id`);--> statement-breakpoint
CREATE INDEX `orgs_previous_key_idx` ON `orgs` (`previous_key_hash`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `previous_key_hash` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `previous_expires_at` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `last_used_at` integer;--> statement-breakpoint
CREATE INDEX `api_keys_previous_key_idx` ON `api_keys` (`previous_key_hash`);--> statement-breakpoint
ALTER TABLE `sources` ADD `key_prefix` text;--> statement-breakpoint
ALTER TABLE `sources` ADD `previous_write_key_hash` text;--> statement-breakpoint
ALTER TABLE `sources` ADD `previous_expires_at` integer;--> statement-breakpoint
ALTER TABLE `sources` ADD `last_used_at` integer;--> statement-breakpoint
CREATE INDEX `sources_previous_key_idx` ON `sources` (`previous_write_key_hash`);--> statement-breakpoint
ALTER TABLE `webhook_sources` ADD `rate_limit` text;--> statement-breakpoint
ALTER TABLE `webhook_sources` ADD `key_prefix` text;--> statement-breakpoint
ALTER TABLE `webhook_sources` ADD `previous_secret_hash` text;--> statement-breakpoint
ALTER TABLE `webhook_sources` ADD `previous_expires_at` integer;--> statement-breakpoint
ALTER TABLE `webhook_sources` ADD `last_used_at` integer;