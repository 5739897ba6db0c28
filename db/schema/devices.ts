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

/** Check-in history: append-only, pruned by the retention job; the latest state is on terminals. */
export const checkins = pgTable(
  "checkins",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    terminalId: uuid("terminal_id").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    firmwareVersion: text("firmware_version").notNull(),
    batteryPercent: smallint("battery_percent"),
    signalDbm: smallint("signal_dbm"),
    network: networkType("network"),
    errorCount: smallint("error_count").notNull().default(0),
    errors: jsonb("errors").$type<CheckinError[]>(),
    transactions: integer("transactions").notNull().default(0),
  },
  (t) => [
    index("checkins_terminal_at_idx").on(t.terminalId, t.at),
    // Rows arrive in time order, so a BRIN index finds old rows for pruning at almost no cost.
    index("checkins_at_brin").using("brin", t.at),
  ],
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
