ALTER TABLE "merchants" ADD COLUMN "code" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "code" text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Existing merchants get M0001, M0002, … in the order they were created; their stores S001, S002, … within each merchant.
-- The width grows past 9999 rather than cut digits off.
UPDATE "merchants" m SET "code" = 'M' || lpad(o.n::text, greatest(4, length(o.n::text)), '0')
  FROM (SELECT "id", row_number() OVER (ORDER BY "created_at", "id") AS n FROM "merchants") o
  WHERE o."id" = m."id";--> statement-breakpoint
UPDATE "stores" s SET "code" = 'S' || lpad(o.n::text, greatest(3, length(o.n::text)), '0')
  FROM (SELECT "id", row_number() OVER (PARTITION BY "merchant_id" ORDER BY "created_at", "id") AS n FROM "stores") o
  WHERE o."id" = s."id";--> statement-breakpoint
CREATE SEQUENCE "merchants_code_seq";--> statement-breakpoint
SELECT setval('merchants_code_seq', (SELECT count(*) FROM "merchants") + 1, false);--> statement-breakpoint
-- A merchant inserted without a code (the console leaves it to us, as do scripts) gets the next free M-number;
-- one chosen by hand may already hold a number, which is then skipped.
CREATE FUNCTION merchants_assign_code() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  IF NEW.code IS NULL OR NEW.code = '' THEN
    LOOP
      n := nextval('merchants_code_seq');
      NEW.code := 'M' || lpad(n::text, greatest(4, length(n::text)), '0');
      EXIT WHEN NOT EXISTS (SELECT 1 FROM merchants WHERE code = NEW.code);
    END LOOP;
  END IF;
  RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER merchants_assign_code BEFORE INSERT ON "merchants" FOR EACH ROW EXECUTE FUNCTION merchants_assign_code();--> statement-breakpoint
-- A store inserted without a code gets the number after its merchant's highest S-number. The merchant's row
-- lock makes stores added at once to one merchant take turns, so they never get the same number.
CREATE FUNCTION stores_assign_code() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n numeric;
BEGIN
  IF NEW.code IS NULL OR NEW.code = '' THEN
    PERFORM 1 FROM merchants WHERE id = NEW.merchant_id FOR NO KEY UPDATE;
    SELECT coalesce(max(substr(code, 2)::numeric), 0) + 1 INTO n FROM stores WHERE merchant_id = NEW.merchant_id AND code ~ '^S[0-9]+$';
    NEW.code := 'S' || lpad(n::text, greatest(3, length(n::text)), '0');
  END IF;
  RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER stores_assign_code BEFORE INSERT ON "stores" FOR EACH ROW EXECUTE FUNCTION stores_assign_code();--> statement-breakpoint
CREATE UNIQUE INDEX "merchants_code_key" ON "merchants" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "stores_merchant_code_key" ON "stores" USING btree ("merchant_id","code");--> statement-breakpoint
ALTER TABLE "merchants" ADD CONSTRAINT "merchants_code_format" CHECK ("merchants"."code" ~ '^[A-Z0-9][A-Z0-9-]*$');--> statement-breakpoint
ALTER TABLE "stores" ADD CONSTRAINT "stores_code_format" CHECK ("stores"."code" ~ '^[A-Z0-9][A-Z0-9-]*$');
