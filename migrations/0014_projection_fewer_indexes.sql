DROP INDEX `lead_projection_stage_idx`;--> statement-breakpoint
DROP INDEX `lead_projection_updated_idx`;