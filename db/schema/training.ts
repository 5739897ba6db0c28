import { sql } from "drizzle-orm";
import { bigint, boolean, date, index, pgEnum, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { merchants, stores } from "./merchants";
import { DEFAULT_TRAINING_VALIDITY_MONTHS, staffRoles, trainerKinds, trainingResults } from "./values";

export const staffRole = pgEnum("staff_role", staffRoles);
export const trainingResult = pgEnum("training_result", trainingResults);
export const trainerKind = pgEnum("trainer_kind", trainerKinds);

/** A merchant's employee at one store: the people PCI DSS 9.5.1.3 asks to be trained. */
export const staffMembers = pgTable(
  "staff_members",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    merchantId: uuid("merchant_id")
      .notNull()
      .references(() => merchants.id),
    storeId: uuid("store_id")
      .notNull()
      .references(() => stores.id),
    name: text("name").notNull(),
    role: staffRole("role").notNull().default("cashier"),
    phone: text("phone"),
    // Staff who left keep their records (evidence) but no longer count towards compliance.
    active: boolean("active").notNull().default(true),
    leftOn: date("left_on", { mode: "string" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("staff_members_store_idx").on(t.storeId, t.name), index("staff_members_merchant_idx").on(t.merchantId, t.name)],
);

/** A course staff take; the fleet-wide catalogue is kept by admins. */
export const trainingCourses = pgTable(
  "training_courses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // Built-in courses carry a stable key; until an admin rewords them, the console shows their
    // title and topics in the reader's language.
    key: text("key").unique(),
    reworded: boolean("reworded").notNull().default(false),
    title: text("title").notNull(),
    topics: text("topics")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    validityMonths: smallint("validity_months").notNull().default(DEFAULT_TRAINING_VALIDITY_MONTHS),
    requiredFor: staffRole("required_for")
      .array()
      .notNull()
      .default(sql`'{}'::staff_role[]`),
    // Archived courses keep their records but are no longer required or offered.
    active: boolean("active").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("training_courses_title_uq").on(sql`lower(${t.title})`)],
);

/** One staff member's attendance of one course; a session for many attendees writes one per person. */
export const trainingRecords = pgTable(
  "training_records",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // The certificate number people quote: TR-123.
    number: bigint("number", { mode: "number" }).generatedAlwaysAsIdentity().notNull(),
    sessionId: uuid("session_id").notNull(),
    staffId: uuid("staff_id")
      .notNull()
      .references(() => staffMembers.id),
    merchantId: uuid("merchant_id")
      .notNull()
      .references(() => merchants.id),
    courseId: uuid("course_id")
      .notNull()
      .references(() => trainingCourses.id),
    trainedOn: date("trained_on", { mode: "string" }).notNull(),
    // The course's validity counted from the session day, fixed when recorded; none for a fail.
    expiresOn: date("expires_on", { mode: "string" }),
    result: trainingResult("result").notNull(),
    score: smallint("score"),
    trainerKind: trainerKind("trainer_kind").notNull(),
    trainerUserId: text("trainer_user_id").references(() => users.id),
    trainerName: text("trainer_name").notNull(),
    notes: text("notes").notNull().default(""),
    recordedBy: text("recorded_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("training_records_staff_course_idx").on(t.staffId, t.courseId, t.expiresOn),
    index("training_records_merchant_idx").on(t.merchantId, t.trainedOn),
    index("training_records_expiry_idx").on(t.merchantId, t.expiresOn),
  ],
);
