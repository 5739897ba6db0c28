CREATE TYPE "public"."bulk_job_item_status" AS ENUM('pending', 'done', 'skipped', 'failed');--> statement-breakpoint
CREATE TYPE "public"."bulk_job_kind" AS ENUM('command', 'move_to_store', 'set_status');--> statement-breakpoint
CREATE TYPE "public"."bulk_job_status" AS ENUM('queued', 'running', 'done', 'cancelled');--> statement-breakpoint
CREATE TABLE "bulk_job_items" (
	"job_id" uuid NOT NULL,
	"terminal_id" uuid NOT NULL,
	"status" "bulk_job_item_status" DEFAULT 'pending' NOT NULL,
	"reason" text,
	CONSTRAINT "bulk_job_items_job_id_terminal_id_pk" PRIMARY KEY("job_id","terminal_id")
);
--> statement-breakpoint
CREATE TABLE "bulk_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "bulk_job_kind" NOT NULL,
	"params" jsonb NOT NULL,
	"selection" jsonb NOT NULL,
	"requested_by" text,
	"requester_role" "user_role" NOT NULL,
	"requester_label" text NOT NULL,
	"requester_ip" text,
	"scope_merchant_ids" jsonb,
	"status" "bulk_job_status" DEFAULT 'queued' NOT NULL,
	"total" integer NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"skipped_reasons" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "bulk_jobs" ADD CONSTRAINT "bulk_jobs_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bulk_job_items_pending_idx" ON "bulk_job_items" USING btree ("job_id","terminal_id") WHERE "bulk_job_items"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "bulk_jobs_open_idx" ON "bulk_jobs" USING btree ("created_at") WHERE "bulk_jobs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "bulk_jobs_requester_idx" ON "bulk_jobs" USING btree ("requested_by","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "bulk_jobs_created_idx" ON "bulk_jobs" USING btree ("created_at" DESC NULLS LAST);