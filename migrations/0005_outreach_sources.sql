CREATE TABLE `connected_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`platform` text NOT NULL,
	`name` text NOT NULL,
	`api_key` text NOT NULL,
	`base_url` text,
	`watermark` text,
	`last_synced_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `connected_accounts_namespace_idx` ON `connected_accounts` (`namespace_id`);--> statement-breakpoint
CREATE TABLE `namespace_keywords` (
	`keyword` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `namespace_keywords_namespace_idx` ON `namespace_keywords` (`namespace_id`);--> statement-breakpoint
CREATE TABLE `sync_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_namespace_id` text,
	`trigger` text NOT NULL,
	`mode` text NOT NULL,
	`config` text NOT NULL,
	`status` text NOT NULL,
	`callback_state` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `sync_jobs_owner_idx` ON `sync_jobs` (`owner_namespace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `sync_tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`account_id` text NOT NULL,
	`platform` text NOT NULL,
	`status` text NOT NULL,
	`active_account_id` text,
	`position` text,
	`step` integer NOT NULL,
	`read` integer NOT NULL,
	`imported` integer NOT NULL,
	`duplicates` integer NOT NULL,
	`total` integer,
	`attempts` integer NOT NULL,
	`errors` text NOT NULL,
	`newest_seen` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sync_tasks_active_account_id_unique` ON `sync_tasks` (`active_account_id`);--> statement-breakpoint
CREATE INDEX `sync_tasks_job_idx` ON `sync_tasks` (`job_id`);--> statement-breakpoint
CREATE TABLE `webhook_sources` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`platform` text NOT NULL,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `webhook_sources_namespace_idx` ON `webhook_sources` (`namespace_id`);