import { sql } from "drizzle-orm";
import { bigint, boolean, date, index, integer, jsonb, pgEnum, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { merchants, stores } from "./merchants";
import { terminalModels, terminals } from "./terminals";
import { planScopes, recurrenceUnits, workOrderPriorities, workOrderStatuses, workOrderTypes, type ChecklistEntry, type ChecklistItem, type WorkOrderTitleKind } from "./values";

export const planScope = pgEnum("maintenance_plan_scope", planScopes);
export const recurrenceUnit = pgEnum("recurrence_unit", recurrenceUnits);

/**
 * A recurring preventive schedule for one terminal, a store's terminals or a model's. Every N
 * days, weeks or months from `firstDue`, or an RRULE when one is given.
 */
export const maintenancePlans = pgTable(
  "maintenance_plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    scope: planScope("scope").notNull(),
    terminalId: uuid("terminal_id").references(() => terminals.id),
    storeId: uuid("store_id").references(() => stores.id),
    modelId: uuid("model_id").references(() => terminalModels.id),
    // The tenant the plan belongs to; null for a model plan across the whole fleet (admins only).
    merchantId: uuid("merchant_id").references(() => merchants.id),
    everyN: smallint("every_n").notNull().default(3),
    unit: recurrenceUnit("unit").notNull().default("month"),
    rrule: text("rrule"),
    checklist: jsonb("checklist").$type<ChecklistItem[]>().notNull(),
    technicianId: text("technician_id").references(() => users.id),
    firstDue: date("first_due", { mode: "string" }).notNull(),
    nextDue: date("next_due", { mode: "string" }).notNull(),
    // Work orders are created this many days before they are due.
    leadDays: smallint("lead_days").notNull().default(7),
    active: boolean("active").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("maintenance_plans_due_idx")
      .on(t.nextDue)
      .where(sql`${t.active}`),
    index("maintenance_plans_merchant_idx").on(t.merchantId),
  ],
);

export const workOrderType = pgEnum("work_order_type", workOrderTypes);
export const workOrderStatus = pgEnum("work_order_status", workOrderStatuses);
export const workOrderPriority = pgEnum("work_order_priority", workOrderPriorities);

export interface PartReplaced {
  name: string;
  quantity: number;
}

/** Installation, preventive, inspection or repair work on one terminal. */
export const workOrders = pgTable(
  "work_orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // A short number people can say on the phone: WO-123.
    number: bigint("number", { mode: "number" }).generatedAlwaysAsIdentity().notNull(),
    type: workOrderType("type").notNull(),
    status: workOrderStatus("status").notNull().default("open"),
    priority: workOrderPriority("priority").notNull().default("normal"),
    title: text("title").notNull(),
    // Set for a title the system wrote ("Fault: DEMO-0037"): the console words it in the reader's language.
    titleKind: text("title_kind").$type<WorkOrderTitleKind>(),
    description: text("description").notNull().default(""),
    symptoms: text("symptoms")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    merchantId: uuid("merchant_id").references(() => merchants.id),
    storeId: uuid("store_id").references(() => stores.id),
    planId: uuid("plan_id").references(() => maintenancePlans.id),
    // The work order this one follows up (an inspection after a failed tamper check).
    parentId: uuid("parent_id"),
    technicianId: text("technician_id").references(() => users.id),
    dueDate: date("due_date", { mode: "string" }).notNull(),
    scheduledFor: timestamp("scheduled_for", { withTimezone: true }),
    checklist: jsonb("checklist").$type<ChecklistEntry[]>().notNull(),
    parts: jsonb("parts")
      .$type<PartReplaced[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    minutesSpent: integer("minutes_spent"),
    resolution: text("resolution"),
    signoffName: text("signoff_name"),
    reportedBy: text("reported_by"),
    tamperAlert: boolean("tamper_alert").notNull().default(false),
    // The client's key of the last save applied (saveWork): a resend after a lost answer is answered, not applied twice.
    lastSaveId: uuid("last_save_id"),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A plan's work order for a terminal and due date exists once, however many instances run the job.
    uniqueIndex("work_orders_plan_due_uq")
      .on(t.planId, t.terminalId, t.dueDate)
      .where(sql`${t.planId} is not null`),
    index("work_orders_merchant_due_idx").on(t.merchantId, t.dueDate),
    index("work_orders_technician_idx").on(t.technicianId, t.status, t.dueDate),
    index("work_orders_terminal_idx").on(t.terminalId, t.createdAt),
    index("work_orders_open_due_idx")
      .on(t.dueDate)
      .where(sql`${t.status} in ('open', 'scheduled', 'in_progress')`),
  ],
);

/** The technician's log: notes on a work order as the work goes. */
export const workOrderNotes = pgTable(
  "work_order_notes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workOrderId: uuid("work_order_id")
      .notNull()
      .references(() => workOrders.id, { onDelete: "cascade" }),
    authorId: text("author_id"),
    authorLabel: text("author_label").notNull(),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("work_order_notes_order_idx").on(t.workOrderId, t.createdAt)],
);

/** A photo of the seals (or anything the technician shows), kept in the object store the firmware images use. */
export const workOrderPhotos = pgTable(
  "work_order_photos",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workOrderId: uuid("work_order_id")
      .notNull()
      .references(() => workOrders.id, { onDelete: "cascade" }),
    storageKey: text("storage_key").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    sha256: text("sha256").notNull(),
    uploadedBy: text("uploaded_by"),
    uploadedByLabel: text("uploaded_by_label").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("work_order_photos_order_idx").on(t.workOrderId, t.createdAt)],
);

/** A technician's secret iCalendar feed; only the token's hash is kept, and rotating replaces it. */
export const calendarFeeds = pgTable("calendar_feeds", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
