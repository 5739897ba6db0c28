CREATE TYPE "public"."command_status" AS ENUM('queued', 'delivered', 'succeeded', 'failed', 'rejected', 'expired', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."command_type" AS ENUM('reboot', 'lock', 'unlock', 'collect_logs', 'ping');--> statement-breakpoint
CREATE TABLE "terminal_commands" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"terminal_id" uuid NOT NULL,
	"merchant_id" uuid,
	"type" "command_type" NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" "command_status" DEFAULT 'queued' NOT NULL,
	"issued_by" text,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"result_message" text,
	"log_key" text,
	"log_bytes" bigint
);
--> statement-breakpoint
ALTER TABLE "terminals" ADD COLUMN "locked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "terminal_commands" ADD CONSTRAINT "terminal_commands_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_commands" ADD CONSTRAINT "terminal_commands_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_commands" ADD CONSTRAINT "terminal_commands_issued_by_users_id_fk" FOREIGN KEY ("issued_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "terminal_commands_terminal_idx" ON "terminal_commands" USING btree ("terminal_id","issued_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "terminal_commands_open_idx" ON "terminal_commands" USING btree ("terminal_id") WHERE "terminal_commands"."status" in ('queued', 'delivered');--> statement-breakpoint
CREATE INDEX "terminal_commands_expiry_idx" ON "terminal_commands" USING btree ("expires_at") WHERE "terminal_commands"."status" = 'queued';