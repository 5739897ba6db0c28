CREATE TYPE "public"."staff_role" AS ENUM('cashier', 'manager', 'other');--> statement-breakpoint
CREATE TYPE "public"."trainer_kind" AS ENUM('technician', 'merchant_owner', 'external');--> statement-breakpoint
CREATE TYPE "public"."training_result" AS ENUM('passed', 'failed');--> statement-breakpoint
CREATE TABLE "staff_members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"merchant_id" uuid NOT NULL,
	"store_id" uuid NOT NULL,
	"name" text NOT NULL,
	"role" "staff_role" DEFAULT 'cashier' NOT NULL,
	"phone" text,
	"active" boolean DEFAULT true NOT NULL,
	"left_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_courses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text,
	"title" text NOT NULL,
	"topics" text[] DEFAULT '{}'::text[] NOT NULL,
	"validity_months" smallint DEFAULT 12 NOT NULL,
	"required_for" "staff_role"[] DEFAULT '{}'::staff_role[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "training_courses_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "training_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigint GENERATED ALWAYS AS IDENTITY (sequence name "training_records_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"session_id" uuid NOT NULL,
	"staff_id" uuid NOT NULL,
	"merchant_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"trained_on" date NOT NULL,
	"expires_on" date,
	"result" "training_result" NOT NULL,
	"score" smallint,
	"trainer_kind" "trainer_kind" NOT NULL,
	"trainer_user_id" text,
	"trainer_name" text NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"recorded_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "staff_members" ADD CONSTRAINT "staff_members_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_members" ADD CONSTRAINT "staff_members_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_records" ADD CONSTRAINT "training_records_staff_id_staff_members_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_records" ADD CONSTRAINT "training_records_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_records" ADD CONSTRAINT "training_records_course_id_training_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."training_courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_records" ADD CONSTRAINT "training_records_trainer_user_id_users_id_fk" FOREIGN KEY ("trainer_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "staff_members_store_idx" ON "staff_members" USING btree ("store_id","name");--> statement-breakpoint
CREATE INDEX "staff_members_merchant_idx" ON "staff_members" USING btree ("merchant_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "training_courses_title_uq" ON "training_courses" USING btree (lower("title"));--> statement-breakpoint
CREATE INDEX "training_records_staff_course_idx" ON "training_records" USING btree ("staff_id","course_id","expires_on");--> statement-breakpoint
CREATE INDEX "training_records_merchant_idx" ON "training_records" USING btree ("merchant_id","trained_on");--> statement-breakpoint
CREATE INDEX "training_records_expiry_idx" ON "training_records" USING btree ("merchant_id","expires_on");