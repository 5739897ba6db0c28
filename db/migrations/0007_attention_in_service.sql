DROP INDEX "terminals_low_battery_idx";--> statement-breakpoint
DROP INDEX "terminals_errors_idx";--> statement-breakpoint
CREATE INDEX "terminals_low_battery_idx" ON "terminals" USING btree ("merchant_id") WHERE "terminals"."status" in ('active', 'faulty') and "terminals"."battery_percent" < 20;--> statement-breakpoint
CREATE INDEX "terminals_errors_idx" ON "terminals" USING btree ("merchant_id") WHERE "terminals"."status" in ('active', 'faulty') and "terminals"."error_count" > 0;