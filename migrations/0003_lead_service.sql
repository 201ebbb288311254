CREATE TABLE `buffer_cursors` (
	`org_id` text NOT NULL,
	`namespace` text NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `namespace`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `buffered_leads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` text NOT NULL,
	`namespace` text NOT NULL,
	`email` text NOT NULL,
	`external_id` text,
	`data` text,
	`brand_id` text,
	`clerk_user_id` text,
	`parent_run_id` text,
	`status` text NOT NULL,
	`claim_run_id` text,
	`claim_key` text,
	`claim_expires_at` integer,
	`claims` integer DEFAULT 0 NOT NULL,
	`served_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `buffered_leads_email_idx` ON `buffered_leads` (`org_id`,`namespace`,`email`);--> statement-breakpoint
CREATE INDEX `buffered_leads_queue_idx` ON `buffered_leads` (`org_id`,`namespace`,`status`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `buffered_leads_claim_idx` ON `buffered_leads` (`org_id`,`claim_run_id`,`claim_key`) WHERE claim_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX `buffered_leads_email_lookup_idx` ON `buffered_leads` (`email`);--> statement-breakpoint
CREATE TABLE `enrichment_cache` (
	`email` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`lock_until` integer DEFAULT 0 NOT NULL,
	`found` integer DEFAULT false NOT NULL,
	`person` text,
	`organization` text,
	`provider` text,
	`confidence` integer,
	`fetched_at` integer,
	`expires_at` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `enrichment_stats` (
	`provider` text PRIMARY KEY NOT NULL,
	`calls` integer DEFAULT 0 NOT NULL,
	`hits` integer DEFAULT 0 NOT NULL,
	`misses` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`rate_limited` integer DEFAULT 0 NOT NULL,
	`cost_micros` integer DEFAULT 0 NOT NULL,
	`unavailable_until` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `enrichment_usage` (
	`provider` text NOT NULL,
	`window_start` integer NOT NULL,
	`calls` integer NOT NULL,
	PRIMARY KEY(`provider`, `window_start`)
);
--> statement-breakpoint
CREATE TABLE `orgs` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`clerk_org_id` text NOT NULL,
	`app_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orgs_key_hash_unique` ON `orgs` (`key_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `orgs_clerk_app_idx` ON `orgs` (`clerk_org_id`,`app_id`);