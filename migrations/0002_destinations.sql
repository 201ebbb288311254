CREATE TABLE `automation_firings` (
	`automation_id` text NOT NULL,
	`lead_id` text NOT NULL,
	`day` text NOT NULL,
	`fired_at` integer NOT NULL,
	PRIMARY KEY(`automation_id`, `lead_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `automations` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`name` text NOT NULL,
	`trigger` text NOT NULL,
	`action` text NOT NULL,
	`enabled` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `automations_namespace_idx` ON `automations` (`namespace_id`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`destination_id` text NOT NULL,
	`message_id` text NOT NULL,
	`lead_id` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_status` integer,
	`last_error` text,
	`payload` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`destination_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `deliveries_status_idx` ON `deliveries` (`destination_id`,`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `destinations` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`config` text NOT NULL,
	`enabled` integer NOT NULL,
	`filters` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `destinations_namespace_idx` ON `destinations` (`namespace_id`);