CREATE TABLE `prediction_example_pages` (
	`run_id` text NOT NULL,
	`page` integer NOT NULL,
	`examples` text NOT NULL,
	PRIMARY KEY(`run_id`, `page`)
);
--> statement-breakpoint
CREATE TABLE `prediction_models` (
	`namespace_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`used` integer NOT NULL,
	`reason` text NOT NULL,
	`model` text,
	`report` text NOT NULL,
	`trained_at` integer NOT NULL,
	`run_id` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `prediction_outcomes` (
	`namespace_id` text PRIMARY KEY NOT NULL,
	`events` text NOT NULL,
	`stages` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `prediction_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`active_namespace_id` text,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`spec` text NOT NULL,
	`pages` integer NOT NULL,
	`leads` integer NOT NULL,
	`examples` integer NOT NULL,
	`error` text,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prediction_runs_active_namespace_id_unique` ON `prediction_runs` (`active_namespace_id`);--> statement-breakpoint
CREATE INDEX `prediction_runs_namespace_idx` ON `prediction_runs` (`namespace_id`,`started_at`);