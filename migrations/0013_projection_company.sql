ALTER TABLE `lead_projection` ADD `company` text;--> statement-breakpoint
ALTER TABLE `lead_projection` ADD `name` text;