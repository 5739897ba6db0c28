DROP INDEX "update_jobs_rollout_recent_idx";--> statement-breakpoint
CREATE INDEX "update_jobs_rollout_changed_idx" ON "update_jobs" USING btree ("rollout_id","updated_at","id");