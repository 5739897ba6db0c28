DROP INDEX "terminals_sort_serial_idx";--> statement-breakpoint
DROP INDEX "terminals_sort_last_seen_idx";--> statement-breakpoint
CREATE INDEX "terminals_sort_serial_idx" ON "terminals" USING btree (("serial_number" collate "C"));--> statement-breakpoint
CREATE INDEX "terminals_sort_last_seen_idx" ON "terminals" USING btree (coalesce("last_seen_at", '-infinity'::timestamptz),"serial_number");