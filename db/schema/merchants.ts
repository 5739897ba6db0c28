import { index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

import { DEFAULT_MAINTENANCE_WINDOW, merchantStatuses, type BusinessHours } from "./values";

export const merchantStatus = pgEnum("merchant_status", merchantStatuses);

export const merchants = pgTable(
  "merchants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    // E.164; activation SMS codes go to this number.
    registeredPhone: text("registered_phone").notNull(),
    contactName: text("contact_name"),
    contactEmail: text("contact_email"),
    status: merchantStatus("status").notNull().default("active"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("merchants_name_idx").on(t.name)],
);

export const stores = pgTable(
  "stores",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    merchantId: uuid("merchant_id")
      .notNull()
      .references(() => merchants.id),
    name: text("name").notNull(),
    address: text("address").notNull().default(""),
    region: text("region").notNull().default(""),
    timeZone: text("time_zone").notNull().default("Asia/Shanghai"),
    businessHours: jsonb("business_hours").$type<BusinessHours>().notNull().default({}),
    // Firmware installs only between these local times ("HH:MM"; may wrap past midnight).
    maintenanceStarts: text("maintenance_starts").notNull().default(DEFAULT_MAINTENANCE_WINDOW.starts),
    maintenanceEnds: text("maintenance_ends").notNull().default(DEFAULT_MAINTENANCE_WINDOW.ends),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("stores_merchant_idx").on(t.merchantId, t.name)],
);
