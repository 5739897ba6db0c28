CREATE TYPE "public"."update_job_status" AS ENUM('pending', 'downloading', 'downloaded', 'installing', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."rollout_phase_status" AS ENUM('pending', 'running', 'awaiting_approval', 'completed');--> statement-breakpoint
CREATE TYPE "public"."release_channel" AS ENUM('stable', 'beta');--> statement-breakpoint
CREATE TYPE "public"."release_status" AS ENUM('draft', 'published', 'deprecated');--> statement-breakpoint
CREATE TYPE "public"."rollout_status" AS ENUM('scheduled', 'running', 'paused', 'completed', 'cancelled');--> statement-breakpoint
CREATE TABLE "firmware_release_models" (
	"release_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	CONSTRAINT "firmware_release_models_release_id_model_id_pk" PRIMARY KEY("release_id","model_id")
);
--> statement-breakpoint
CREATE TABLE "firmware_releases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" text NOT NULL,
	"channel" "release_channel" DEFAULT 'stable' NOT NULL,
	"status" "release_status" DEFAULT 'draft' NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"is_rollback" boolean DEFAULT false NOT NULL,
	"storage_key" text,
	"file_name" text,
	"size_bytes" bigint,
	"sha256" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"deprecated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "rollout_phases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rollout_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"percent" real NOT NULL,
	"success_threshold" real NOT NULL,
	"failure_threshold" real NOT NULL,
	"requires_approval" boolean DEFAULT false NOT NULL,
	"status" "rollout_phase_status" DEFAULT 'pending' NOT NULL,
	"terminal_count" integer DEFAULT 0 NOT NULL,
	"accepted_failures" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"release_id" uuid NOT NULL,
	"status" "rollout_status" DEFAULT 'scheduled' NOT NULL,
	"target" jsonb NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"max_attempts" smallint DEFAULT 3 NOT NULL,
	"pause_reason" text,
	"terminal_count" integer DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "update_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rollout_id" uuid NOT NULL,
	"phase_id" uuid NOT NULL,
	"terminal_id" uuid NOT NULL,
	"from_version" text,
	"status" "update_job_status" DEFAULT 'pending' NOT NULL,
	"attempt" smallint DEFAULT 1 NOT NULL,
	"progress_percent" smallint,
	"error_code" text,
	"message" text,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "maintenance_starts" text DEFAULT '02:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "maintenance_ends" text DEFAULT '05:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "firmware_release_models" ADD CONSTRAINT "firmware_release_models_release_id_firmware_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."firmware_releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "firmware_release_models" ADD CONSTRAINT "firmware_release_models_model_id_terminal_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."terminal_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_phases" ADD CONSTRAINT "rollout_phases_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_release_id_firmware_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."firmware_releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "update_jobs" ADD CONSTRAINT "update_jobs_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "update_jobs" ADD CONSTRAINT "update_jobs_phase_id_rollout_phases_id_fk" FOREIGN KEY ("phase_id") REFERENCES "public"."rollout_phases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "update_jobs" ADD CONSTRAINT "update_jobs_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "firmware_release_models_model_idx" ON "firmware_release_models" USING btree ("model_id","release_id");--> statement-breakpoint
CREATE INDEX "firmware_releases_created_idx" ON "firmware_releases" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "rollout_phases_position_uq" ON "rollout_phases" USING btree ("rollout_id","position");--> statement-breakpoint
CREATE INDEX "rollouts_created_idx" ON "rollouts" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "rollouts_release_idx" ON "rollouts" USING btree ("release_id");--> statement-breakpoint
CREATE UNIQUE INDEX "update_jobs_one_open_idx" ON "update_jobs" USING btree ("terminal_id") WHERE "update_jobs"."status" in ('pending', 'downloading', 'downloaded', 'installing');--> statement-breakpoint
CREATE INDEX "update_jobs_terminal_idx" ON "update_jobs" USING btree ("terminal_id","created_at");--> statement-breakpoint
CREATE INDEX "update_jobs_rollout_idx" ON "update_jobs" USING btree ("rollout_id","phase_id","status");--> statement-breakpoint
CREATE INDEX "update_jobs_errors_idx" ON "update_jobs" USING btree ("rollout_id","error_code") WHERE "update_jobs"."error_code" is not null;