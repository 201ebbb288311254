ALTER TABLE `lead_projection` ADD `conversion_probability` real;--> statement-breakpoint
ALTER TABLE `lead_projection` ADD `conversion_features` text;