-- The terminal list's search matches anywhere in a serial number, store name or merchant name:
-- trigram indexes (pg_trgm, a trusted extension on PostgreSQL 13+; PGlite loads it in db/client.ts).
-- IF NOT EXISTS: a large fleet may have built them beforehand with CREATE INDEX CONCURRENTLY.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "merchants_name_trgm_idx" ON "merchants" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "stores_name_trgm_idx" ON "stores" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "terminals_serial_trgm_idx" ON "terminals" USING gin ("serial_number" gin_trgm_ops);
