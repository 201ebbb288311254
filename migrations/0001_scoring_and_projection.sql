CREATE TABLE `lead_projection` (
	`namespace_id` text NOT NULL,
	`lead_id` text NOT NULL,
	`score` real NOT NULL,
	`behaviour_score` real NOT NULL,
	`icp_score` real NOT NULL,
	`stage` text NOT NULL,
	`grade` text NOT NULL,
	`velocity` real NOT NULL,
	`event_count` integer NOT NULL,
	`user_id` text,
	`email` text,
	`first_seen` integer,
	`last_activity` integer,
	`scoring_version` integer NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`namespace_id`, `lead_id`)
);
--> statement-breakpoint
CREATE INDEX `lead_projection_score_idx` ON `lead_projection` (`namespace_id`,`score`);--> statement-breakpoint
CREATE INDEX `lead_projection_activity_idx` ON `lead_projection` (`namespace_id`,`last_activity`);--> statement-breakpoint
CREATE INDEX `lead_projection_stage_idx` ON `lead_projection` (`namespace_id`,`stage`,`score`);--> statement-breakpoint
CREATE INDEX `lead_projection_updated_idx` ON `lead_projection` (`namespace_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `namespace_scoring` (
	`namespace_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`icp_table` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `rescore_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`scoring_version` integer NOT NULL,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`processed` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rescore_jobs_namespace_idx` ON `rescore_jobs` (`namespace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `scoring_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`event` text NOT NULL,
	`points` integer NOT NULL,
	`conditions` text NOT NULL,
	`cap` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `scoring_rules_namespace_idx` ON `scoring_rules` (`namespace_id`);