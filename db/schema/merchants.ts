import { sql } from "drizzle-orm";
import { check, index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { DEFAULT_MAINTENANCE_WINDOW, merchantStatuses, type BusinessHours, type MerchantLanguage } from "./values";

export const merchantStatus = pgEnum("merchant_status", merchantStatuses);

export const merchants = pgTable(
  "merchants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    // A short code people type (CSV import) where names repeat. Stored upper-case, so uniqueness ignores case;
    // left empty on insert, a trigger gives the next "M0001" (migration 0023).
    code: text("code").notNull().default(""),
    // E.164; activation SMS codes go to this number.
    registeredPhone: text("registered_phone").notNull(),
    contactName: text("contact_name"),
    contactEmail: text("contact_email"),
    // What the merchant's SMS (activation codes, critical notices) and announcements are written in.
    language: text("language").$type<MerchantLanguage>().notNull().default("en"),
    status: merchantStatus("status").notNull().default("active"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // The trigram index serves the terminal search, which matches anywhere in the merchant's name.
  (t) => [
    index("merchants_name_idx").on(t.name),
    index("merchants_name_trgm_idx").using("gin", t.name.op("gin_trgm_ops")),
    uniqueIndex("merchants_code_key").on(t.code),
    check("merchants_code_format", sql`${t.code} ~ '^[A-Z0-9][A-Z0-9-]*$'`),
  ],
);

export const stores = pgTable(
  "stores",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    merchantId: uuid("merchant_id")
      .notNull()
      .references(() => merchants.id),
    name: text("name").notNull(),
    // Unique within the merchant, as merchants' codes are; left empty on insert, the merchant's next "S001".
    code: text("code").notNull().default(""),
    address: text("address").notNull().default(""),
    region: text("region").notNull().default(""),
    // E.164, optional; the technician's call button rings the merchant's registered phone when a store has none.
    phone: text("phone"),
    timeZone: text("time_zone").notNull().default("Asia/Shanghai"),
    businessHours: jsonb("business_hours").$type<BusinessHours>().notNull().default({}),
    // Firmware installs only between these local times ("HH:MM"; may wrap past midnight).
    maintenanceStarts: text("maintenance_starts").notNull().default(DEFAULT_MAINTENANCE_WINDOW.starts),
    maintenanceEnds: text("maintenance_ends").notNull().default(DEFAULT_MAINTENANCE_WINDOW.ends),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("stores_merchant_idx").on(t.merchantId, t.name),
    index("stores_name_trgm_idx").using("gin", t.name.op("gin_trgm_ops")),
    uniqueIndex("stores_merchant_code_key").on(t.merchantId, t.code),
    check("stores_code_format", sql`${t.code} ~ '^[A-Z0-9][A-Z0-9-]*$'`),
  ],
);
