DROP INDEX "terminals_status_idx";--> statement-breakpoint
DROP INDEX "terminals_firmware_idx";--> statement-breakpoint
DROP INDEX "terminals_last_seen_idx";--> statement-breakpoint
CREATE INDEX "terminals_sort_serial_idx" ON "terminals" USING btree ("serial_number" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "terminals_sort_status_idx" ON "terminals" USING btree ("status" DESC NULLS LAST,"serial_number" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "terminals_sort_firmware_idx" ON "terminals" USING btree ("firmware_version" DESC NULLS LAST,"serial_number" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "terminals_sort_last_seen_idx" ON "terminals" USING btree ("last_seen_at" DESC NULLS LAST,"serial_number" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "terminals_sort_created_idx" ON "terminals" USING btree ("created_at" DESC NULLS LAST,"serial_number" DESC NULLS LAST);