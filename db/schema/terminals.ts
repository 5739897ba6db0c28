import { sql } from "drizzle-orm";
import { bigint, boolean, index, jsonb, pgEnum, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { merchants, stores } from "./merchants";
import { LOW_BATTERY_PERCENT, networkTypes, terminalConnectivities, terminalStatuses, type TerminalCapability } from "./values";

export const terminalModels = pgTable(
  "terminal_models",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    manufacturer: text("manufacturer").notNull(),
    model: text("model").notNull(),
    capabilities: text("capabilities")
      .array()
      .$type<TerminalCapability[]>()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("terminal_models_name_uq").on(t.manufacturer, t.model)],
);

export const terminalStatus = pgEnum("terminal_status", terminalStatuses);

export const networkType = pgEnum("network_type", networkTypes);

export const terminalConnectivity = pgEnum("terminal_connectivity", terminalConnectivities);

export const terminals = pgTable(
  "terminals",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    serialNumber: text("serial_number").notNull(),
    modelId: uuid("model_id")
      .notNull()
      .references(() => terminalModels.id),
    // A terminal in the warehouse may not belong to anyone yet.
    merchantId: uuid("merchant_id").references(() => merchants.id),
    storeId: uuid("store_id").references(() => stores.id),
    status: terminalStatus("status").notNull().default("in_stock"),
    firmwareVersion: text("firmware_version"),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
    // Never seen counts as offline for a day (see terminalConnectivities).
    connectivity: terminalConnectivity("connectivity").notNull().default("offline_day"),
    batteryPercent: smallint("battery_percent"),
    signalDbm: smallint("signal_dbm"),
    network: networkType("network"),
    // The latest check-in's errors; the history holds the earlier ones.
    errorCount: smallint("error_count").notNull().default(0),
    // The attention filters' partial indexes read these, not the readings: a reading that changes
    // at every heartbeat must not be in an index, or no heartbeat's update is HOT (see terminalPresence).
    lowBattery: boolean("low_battery")
      .notNull()
      .generatedAlwaysAs(sql`coalesce(battery_percent < ${sql.raw(String(LOW_BATTERY_PERCENT))}, false)`),
    hasErrors: boolean("has_errors")
      .notNull()
      .generatedAlwaysAs(sql`error_count > 0`),
    lastErrors: jsonb("last_errors").$type<{ code: string; message?: string }[]>(),
    activatedAt: timestamp("activated_at", { withTimezone: true }),
    // When the current merchant got the terminal: their view of its history starts here.
    merchantSince: timestamp("merchant_since", { withTimezone: true }).notNull().defaultNow(),
    // An admin lifted an activation block: wrong codes before this no longer count.
    activationUnblockedAt: timestamp("activation_unblocked_at", { withTimezone: true }),
    // A lock command succeeded (a stolen terminal); null once an unlock succeeds.
    lockedAt: timestamp("locked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // text_pattern_ops lets the serial-number prefix search use the index.
    uniqueIndex("terminals_serial_uq").using("btree", t.serialNumber.op("text_pattern_ops")),
    index("terminals_merchant_status_idx").on(t.merchantId, t.status, t.serialNumber),
    index("terminals_store_idx").on(t.storeId),
    index("terminals_model_idx").on(t.modelId),
    // The list sorts "column dir, serial dir" with NULLS LAST when descending and NULLS FIRST when
    // ascending: one index per sortable column, scanned forwards or backwards, serves both.
    // Serial numbers sort in the "C" collation, so a prefix search walks the same index as the order.
    index("terminals_sort_serial_idx").on(sql`(${t.serialNumber} collate "C")`),
    index("terminals_sort_status_idx").on(t.status.desc().nullsLast(), t.serialNumber.desc().nullsLast()),
    index("terminals_sort_firmware_idx").on(t.firmwareVersion.desc().nullsLast(), t.serialNumber.desc().nullsLast()),
    // Small partial indexes for the overview's attention counts and the matching list filters.
    index("terminals_low_battery_idx")
      .on(t.merchantId)
      .where(sql`${t.status} in ('active', 'faulty') and ${t.lowBattery}`),
    index("terminals_errors_idx")
      .on(t.merchantId)
      .where(sql`${t.status} in ('active', 'faulty') and ${t.hasErrors}`),
    // The offline filters in serial order; a terminal stays online while it checks in, so heartbeats leave it alone.
    index("terminals_offline_idx")
      .on(sql`(${t.serialNumber} collate "C")`)
      .where(sql`${t.connectivity} <> 'online'`),
    index("terminals_sort_created_idx").on(t.createdAt.desc().nullsLast(), t.serialNumber.desc().nullsLast()),
    // The list's search matches anywhere in the serial number: its start through the sort index's
    // range, the rest through trigrams (pg_trgm) of the serial after its first character, so a search
    // for a serial's beginning ("FLEET-05", a tenth of a fleet) finds nothing to read here.
    index("terminals_serial_tail_trgm_idx").using("gin", sql`substr(${t.serialNumber}, 2) gin_trgm_ops`),
  ],
);

/**
 * Each terminal's last check-in ("never" as -infinity), serial number and connectivity, copied by
 * triggers on terminals (migration 0030): the list's "last seen" order, the offline filters by last
 * seen, the connectivity sweep and the offline alerts read these indexes. On terminals they would
 * make every heartbeat's update write a new entry into each of its indexes; without them that
 * update is HOT, and only this narrow row and its two indexes change.
 */
export const terminalPresence = pgTable(
  "terminal_presence",
  {
    terminalId: uuid("terminal_id")
      .primaryKey()
      .references(() => terminals.id, { onDelete: "cascade" }),
    serialNumber: text("serial_number").notNull(),
    connectivity: terminalConnectivity("connectivity").notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    // "Never seen" sorts as the oldest, so "not seen since X" is one index range.
    index("terminal_presence_last_seen_idx").on(t.lastSeenAt, t.serialNumber),
    // The offline terminals by last check-in: the offline list sorted by last seen, and the sweep.
    index("terminal_presence_offline_idx")
      .on(t.lastSeenAt, t.serialNumber)
      .where(sql`${t.connectivity} <> 'online'`),
  ],
);

/** The whole fleet's rows in terminal_counts: a merchant id no merchant has. */
export const FLEET_COUNTS_KEY = "00000000-0000-0000-0000-000000000000";

/** What terminal_counts counts terminals by, besides the merchant. */
const countedKey = () => ({
  status: terminalStatus("status").notNull(),
  modelId: uuid("model_id").notNull(),
  // "" when no firmware was reported yet.
  firmwareVersion: text("firmware_version").notNull(),
  connectivity: terminalConnectivity("connectivity").notNull(),
  lowBattery: boolean("low_battery").notNull(),
  hasErrors: boolean("has_errors").notNull(),
  n: bigint("n", { mode: "number" }).notNull(),
});

/**
 * Terminals counted by everything the overview shows, per merchant and for the whole fleet
 * (FLEET_COUNTS_KEY), so the overview reads a few hundred rows at any fleet size. Triggers on
 * terminals (migration 0019) append every change to terminal_count_changes without locking a
 * shared row; a job folds the changes in, and readers add the changes not folded yet.
 */
export const terminalCounts = pgTable("terminal_counts", { merchantId: uuid("merchant_id").notNull(), ...countedKey() }, (t) => [
  primaryKey({ name: "terminal_counts_pk", columns: [t.merchantId, t.status, t.modelId, t.firmwareVersion, t.connectivity, t.lowBattery, t.hasErrors] }),
]);

/** Changes to terminal_counts not folded in yet: +n or -n per key; merchant_id null for terminals without one. */
export const terminalCountChanges = pgTable("terminal_count_changes", { merchantId: uuid("merchant_id"), ...countedKey() }, (t) => [index("terminal_count_changes_merchant_idx").on(t.merchantId)]);
