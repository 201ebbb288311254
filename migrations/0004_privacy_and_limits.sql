CREATE TABLE `lead_tombstones` (
	`lead_id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`reason` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `lead_tombstones_namespace_idx` ON `lead_tombstones` (`namespace_id`);--> statement-breakpoint
CREATE TABLE `suppressed_identities` (
	`namespace_id` text NOT NULL,
	`identity_hash` text NOT NULL,
	`kind` text NOT NULL,
	`dropped_events` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`namespace_id`, `identity_hash`)
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `rate_limit` text;--> statement-breakpoint
ALTER TABLE `namespace_scoring` ADD `retention_days` integer;--> statement-breakpoint
ALTER TABLE `sources` ADD `rate_limit` text;