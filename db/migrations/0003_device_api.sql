CREATE TABLE "checkins" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "checkins_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"terminal_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"firmware_version" text NOT NULL,
	"battery_percent" smallint,
	"signal_dbm" smallint,
	"network" "network_type",
	"error_count" smallint DEFAULT 0 NOT NULL,
	"errors" jsonb,
	"transactions" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "daily_activity" (
	"day" date NOT NULL,
	"merchant_id" uuid NOT NULL,
	"transactions" bigint DEFAULT 0 NOT NULL,
	"checkins" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "daily_activity_day_merchant_id_pk" PRIMARY KEY("day","merchant_id")
);
--> statement-breakpoint
CREATE TABLE "device_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"terminal_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"window_start" timestamp with time zone DEFAULT now() NOT NULL,
	"window_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "device_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "scheduled_jobs" (
	"name" text PRIMARY KEY NOT NULL,
	"next_run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"last_result" jsonb DEFAULT '{}'::jsonb
);
--> statement-breakpoint
ALTER TABLE "terminals" ADD COLUMN "error_count" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "terminals" ADD COLUMN "last_errors" jsonb;--> statement-breakpoint
ALTER TABLE "daily_activity" ADD CONSTRAINT "daily_activity_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_tokens" ADD CONSTRAINT "device_tokens_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "checkins_terminal_at_idx" ON "checkins" USING btree ("terminal_id","at");--> statement-breakpoint
CREATE INDEX "checkins_at_brin" ON "checkins" USING brin ("at");--> statement-breakpoint
CREATE INDEX "device_tokens_terminal_idx" ON "device_tokens" USING btree ("terminal_id");