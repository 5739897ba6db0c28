ALTER TABLE "merchants" ADD COLUMN "language" text DEFAULT 'en' NOT NULL;--> statement-breakpoint
ALTER TABLE "work_orders" ADD COLUMN "title_kind" text;--> statement-breakpoint
-- A merchant registered with a mainland number (+86) gets its SMS in Chinese, as a new one does.
UPDATE "merchants" SET "language" = 'zh-CN' WHERE "registered_phone" LIKE '+86%';--> statement-breakpoint
-- Titles the system wrote, in the words it wrote them, are worded in the reader's language from now on;
-- a title someone edited since stays as typed.
UPDATE "work_orders" w SET "title_kind" = 'fault' FROM "terminals" t
  WHERE t."id" = w."terminal_id" AND w."title" = 'Fault: ' || t."serial_number";--> statement-breakpoint
UPDATE "work_orders" w SET "title_kind" = 'tamper_follow_up' FROM "terminals" t
  WHERE t."id" = w."terminal_id" AND w."title" = 'Tamper check failed: ' || t."serial_number";
