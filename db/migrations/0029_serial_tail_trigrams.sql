DROP INDEX "terminals_serial_trgm_idx";--> statement-breakpoint
CREATE INDEX "terminals_serial_tail_trgm_idx" ON "terminals" USING gin (substr("serial_number", 2) gin_trgm_ops);