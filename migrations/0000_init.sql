CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_namespace_idx` ON `api_keys` (`namespace_id`);--> statement-breakpoint
CREATE TABLE `lead_identities` (
	`namespace_id` text NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`lead_id` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`namespace_id`, `kind`, `value`)
);
--> statement-breakpoint
CREATE INDEX `lead_identities_lead_idx` ON `lead_identities` (`lead_id`);--> statement-breakpoint
CREATE TABLE `namespaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `namespaces_name_unique` ON `namespaces` (`name`);--> statement-breakpoint
CREATE TABLE `sources` (
	`id` text PRIMARY KEY NOT NULL,
	`namespace_id` text NOT NULL,
	`name` text NOT NULL,
	`write_key_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`namespace_id`) REFERENCES `namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sources_write_key_hash_unique` ON `sources` (`write_key_hash`);--> statement-breakpoint
CREATE INDEX `sources_namespace_idx` ON `sources` (`namespace_id`);