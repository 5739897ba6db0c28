-- Connectivity as a state on the terminal: the heartbeat sets it online, a sweep sets it offline.
-- Until the first sweep (at startup) a terminal seen within a day is offline, else offline for a day.
CREATE TYPE "public"."terminal_connectivity" AS ENUM('online', 'offline', 'offline_day');--> statement-breakpoint
ALTER TABLE "terminals" ADD COLUMN "connectivity" "terminal_connectivity" DEFAULT 'offline_day' NOT NULL;--> statement-breakpoint
UPDATE "terminals" SET "connectivity" = 'offline' WHERE "last_seen_at" >= now() - interval '1 day';--> statement-breakpoint
CREATE INDEX "terminals_offline_idx" ON "terminals" USING btree (coalesce("last_seen_at", '-infinity'::timestamptz),"serial_number") WHERE "terminals"."connectivity" <> 'online';--> statement-breakpoint

-- Terminal counts for the overview, per merchant and for the fleet ('00000000-…'), kept by triggers.
CREATE TABLE "terminal_counts" (
	"merchant_id" uuid NOT NULL,
	"status" "terminal_status" NOT NULL,
	"model_id" uuid NOT NULL,
	"firmware_version" text NOT NULL,
	"connectivity" "terminal_connectivity" NOT NULL,
	"low_battery" boolean NOT NULL,
	"has_errors" boolean NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "terminal_counts_pk" PRIMARY KEY("merchant_id","status","model_id","firmware_version","connectivity","low_battery","has_errors")
);
--> statement-breakpoint
CREATE TABLE "terminal_count_changes" (
	"merchant_id" uuid,
	"status" "terminal_status" NOT NULL,
	"model_id" uuid NOT NULL,
	"firmware_version" text NOT NULL,
	"connectivity" "terminal_connectivity" NOT NULL,
	"low_battery" boolean NOT NULL,
	"has_errors" boolean NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "terminal_count_changes_merchant_idx" ON "terminal_count_changes" USING btree ("merchant_id");--> statement-breakpoint
-- The terminals there are now, as changes the first fold turns into counts.
INSERT INTO "terminal_count_changes"
	SELECT "merchant_id", "status", "model_id", coalesce("firmware_version", ''), "connectivity", coalesce("battery_percent" < 20, false), "error_count" > 0, count(*)
	FROM "terminals" GROUP BY 1, 2, 3, 4, 5, 6, 7;--> statement-breakpoint
-- The key of a terminal in the counts; 20 is LOW_BATTERY_PERCENT (db/schema/values.ts). Changes are
-- appended, never applied to a shared row here, so concurrent writers neither wait nor deadlock.
-- Inserts and deletes are counted per statement (a bulk import is one grouped insert), updates per
-- row but only when the key changes, which a heartbeat rarely does.
CREATE FUNCTION "count_inserted_terminals"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO terminal_count_changes
		SELECT merchant_id, status, model_id, coalesce(firmware_version, ''), connectivity, coalesce(battery_percent < 20, false), error_count > 0, count(*)
		FROM inserted GROUP BY 1, 2, 3, 4, 5, 6, 7;
	RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "count_deleted_terminals"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO terminal_count_changes
		SELECT merchant_id, status, model_id, coalesce(firmware_version, ''), connectivity, coalesce(battery_percent < 20, false), error_count > 0, -count(*)
		FROM deleted GROUP BY 1, 2, 3, 4, 5, 6, 7;
	RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "count_changed_terminal"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO terminal_count_changes VALUES
		(OLD.merchant_id, OLD.status, OLD.model_id, coalesce(OLD.firmware_version, ''), OLD.connectivity, coalesce(OLD.battery_percent < 20, false), OLD.error_count > 0, -1),
		(NEW.merchant_id, NEW.status, NEW.model_id, coalesce(NEW.firmware_version, ''), NEW.connectivity, coalesce(NEW.battery_percent < 20, false), NEW.error_count > 0, 1);
	RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "count_truncated_terminals"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM terminal_count_changes;
	DELETE FROM terminal_counts;
	RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "terminals_count_insert" AFTER INSERT ON "terminals" REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_terminals();--> statement-breakpoint
CREATE TRIGGER "terminals_count_delete" AFTER DELETE ON "terminals" REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_terminals();--> statement-breakpoint
CREATE TRIGGER "terminals_count_update" AFTER UPDATE ON "terminals" FOR EACH ROW WHEN (
	OLD.merchant_id IS DISTINCT FROM NEW.merchant_id OR OLD.status <> NEW.status OR OLD.model_id <> NEW.model_id
	OR OLD.firmware_version IS DISTINCT FROM NEW.firmware_version OR OLD.connectivity <> NEW.connectivity
	OR coalesce(OLD.battery_percent < 20, false) <> coalesce(NEW.battery_percent < 20, false) OR (OLD.error_count > 0) <> (NEW.error_count > 0)
) EXECUTE FUNCTION count_changed_terminal();--> statement-breakpoint
CREATE TRIGGER "terminals_count_truncate" AFTER TRUNCATE ON "terminals" FOR EACH STATEMENT EXECUTE FUNCTION count_truncated_terminals();--> statement-breakpoint

-- Raw check-ins move to a table partitioned by time, trimmed of the surrogate key and the error
-- count (the errors themselves say it). Existing rows keep their history in daily partitions; the
-- app's job creates the partitions from now on and drops those past retention. A default
-- partition catches a row no partition covers yet, which the job moves into a new partition.
ALTER TABLE "checkins" RENAME TO "checkins_before_partitioning";--> statement-breakpoint
ALTER INDEX "checkins_terminal_at_idx" RENAME TO "checkins_before_partitioning_idx";--> statement-breakpoint
CREATE TABLE "checkins" (
	"terminal_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"transactions" integer DEFAULT 0 NOT NULL,
	"network" "network_type",
	"battery_percent" smallint,
	"signal_dbm" smallint,
	"firmware_version" text NOT NULL,
	"errors" jsonb
) PARTITION BY RANGE ("at");
--> statement-breakpoint
CREATE INDEX "checkins_terminal_at_idx" ON "checkins" USING btree ("terminal_id","at");--> statement-breakpoint
CREATE TABLE "checkins_default" PARTITION OF "checkins" DEFAULT;--> statement-breakpoint
CREATE TABLE "checkin_rollups" (
	"terminal_id" uuid NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"transactions" integer NOT NULL,
	"errors" integer NOT NULL,
	"battery_sum" integer NOT NULL,
	"signal_sum" integer NOT NULL,
	"network" "network_type",
	"checkins" smallint NOT NULL,
	"battery_readings" smallint NOT NULL,
	"battery_min" smallint,
	"signal_readings" smallint NOT NULL,
	"firmware_version" text NOT NULL,
	CONSTRAINT "checkin_rollups_terminal_id_period_start_pk" PRIMARY KEY("terminal_id","period_start")
) PARTITION BY RANGE ("period_start");
--> statement-breakpoint
CREATE TABLE "checkin_rollups_default" PARTITION OF "checkin_rollups" DEFAULT;--> statement-breakpoint
-- Partition names end in their start (UTC), as db/partitions.ts names them.
DO $$
DECLARE
	day timestamptz;
BEGIN
	FOR day IN SELECT generate_series(date_trunc('day', min("at"), 'UTC'), max("at"), interval '1 day') FROM "checkins_before_partitioning" LOOP
		EXECUTE format('CREATE TABLE %I PARTITION OF checkins FOR VALUES FROM (%L) TO (%L)', 'checkins_' || to_char(day AT TIME ZONE 'UTC', 'YYYYMMDD"t"HH24MI'), day, day + interval '1 day');
		EXECUTE format('CREATE TABLE %I PARTITION OF checkin_rollups FOR VALUES FROM (%L) TO (%L)', 'checkin_rollups_' || to_char(day AT TIME ZONE 'UTC', 'YYYYMMDD"t"HH24MI'), day, day + interval '1 day');
	END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "checkins" ("terminal_id", "at", "transactions", "network", "battery_percent", "signal_dbm", "firmware_version", "errors")
	SELECT "terminal_id", "at", "transactions", "network", "battery_percent", "signal_dbm", "firmware_version", "errors" FROM "checkins_before_partitioning";--> statement-breakpoint
-- The hourly rollups of the history kept, split where the current merchant's tenure began (as the heartbeat writer does).
INSERT INTO "checkin_rollups"
	SELECT c."terminal_id",
		CASE WHEN date_trunc('hour', c."at", 'UTC') < t."merchant_since" AND c."at" >= t."merchant_since" THEN t."merchant_since" ELSE date_trunc('hour', c."at", 'UTC') END,
		sum(c."transactions"), sum(c."error_count"), coalesce(sum(c."battery_percent"), 0), coalesce(sum(c."signal_dbm"), 0),
		(array_agg(c."network" ORDER BY c."at" DESC) FILTER (WHERE c."network" IS NOT NULL))[1], count(*), count(c."battery_percent"), min(c."battery_percent"), count(c."signal_dbm"),
		(array_agg(c."firmware_version" ORDER BY c."at" DESC))[1]
	FROM "checkins_before_partitioning" c JOIN "terminals" t ON t."id" = c."terminal_id"
	GROUP BY 1, 2;--> statement-breakpoint
DROP TABLE "checkins_before_partitioning";
--> statement-breakpoint
-- The fleet's daily activity for finished days (the admin overview's two weeks), filled by a job.
CREATE TABLE "fleet_daily_activity" (
	"day" date PRIMARY KEY NOT NULL,
	"transactions" bigint NOT NULL,
	"checkins" bigint NOT NULL
);
