ALTER TABLE `connected_accounts` ADD `sync_enabled` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `connected_accounts` ADD `sync_interval_minutes` integer;