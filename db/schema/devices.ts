import { sql } from "drizzle-orm";
import { bigint, date, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { merchants } from "./merchants";
import { networkType, terminals } from "./terminals";

/** A terminal's bearer tokens, stored as SHA-256 hashes; a new one revokes the ones before. */
export const deviceTokens = pgTable(
  "device_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    // Per-token request counter for a fixed one-minute window, kept on the row that every
    // request reads anyway, so rate limiting costs no extra statement and holds across instances.
    windowStart: timestamp("window_start", { withTimezone: true }).notNull().defaultNow(),
    windowCount: integer("window_count").notNull().default(0),
  },
  (t) => [index("device_tokens_terminal_idx").on(t.terminalId)],
);

export interface CheckinError {
  code: string;
  message?: string;
}

/**
 * Raw check-ins, partitioned by time (migration 0019 declares the partitioning, which drizzle-kit
 * cannot): a background job creates partitions ahead and drops whole ones past
 * CHECKIN_RETENTION_HOURS, so no row is ever deleted one by one. The row holds only what the
 * console shows; the latest state is on terminals and the long view in checkin_rollups.
 */
export const checkins = pgTable(
  "checkins",
  {
    terminalId: uuid("terminal_id").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    transactions: integer("transactions").notNull().default(0),
    network: networkType("network"),
    batteryPercent: smallint("battery_percent"),
    signalDbm: smallint("signal_dbm"),
    firmwareVersion: text("firmware_version").notNull(),
    errors: jsonb("errors").$type<CheckinError[]>(),
  },
  (t) => [index("checkins_terminal_at_idx").on(t.terminalId, t.at)],
);

/**
 * A terminal's check-ins per hour, kept ROLLUP_RETENTION_DAYS in daily partitions, upserted by the
 * statement that records the check-ins. `periodStart` is the hour, or the moment the current
 * merchant got the terminal when that fell inside the hour, so a merchant's view of the history
 * never includes a previous owner's share of an hour. Sums and counts (not averages) combine exactly.
 */
export const checkinRollups = pgTable(
  "checkin_rollups",
  {
    terminalId: uuid("terminal_id").notNull(),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    transactions: integer("transactions").notNull(),
    errors: integer("errors").notNull(),
    batterySum: integer("battery_sum").notNull(),
    signalSum: integer("signal_sum").notNull(),
    network: networkType("network"),
    checkins: smallint("checkins").notNull(),
    batteryReadings: smallint("battery_readings").notNull(),
    batteryMin: smallint("battery_min"),
    signalReadings: smallint("signal_readings").notNull(),
    firmwareVersion: text("firmware_version").notNull(),
  },
  (t) => [primaryKey({ columns: [t.terminalId, t.periodStart] })],
);

/** Transactions and check-ins per merchant and day, kept current by the heartbeat writer. */
export const dailyActivity = pgTable(
  "daily_activity",
  {
    day: date("day", { mode: "string" }).notNull(),
    merchantId: uuid("merchant_id")
      .notNull()
      .references(() => merchants.id),
    transactions: bigint("transactions", { mode: "number" }).notNull().default(0),
    checkins: bigint("checkins", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.merchantId] })],
);

/**
 * The whole fleet's daily activity for finished days, summed once from daily_activity by a job,
 * so the admin overview adds up two weeks without reading every merchant's rows. Today (and a
 * finished day the job has not summed yet) is summed live.
 */
export const fleetDailyActivity = pgTable("fleet_daily_activity", {
  day: date("day", { mode: "string" }).primaryKey(),
  transactions: bigint("transactions", { mode: "number" }).notNull(),
  checkins: bigint("checkins", { mode: "number" }).notNull(),
});

/** Background jobs that must run once across all instances: claimed by an atomic update. */
export const scheduledJobs = pgTable("scheduled_jobs", {
  name: text("name").primaryKey(),
  nextRunAt: timestamp("next_run_at", { withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp("locked_until", { withTimezone: true }),
  lastRunAt: timestamp("last_run_at", { withTimezone: true }),
  lastResult: jsonb("last_result")
    .$type<Record<string, unknown>>()
    .default(sql`'{}'::jsonb`),
});
