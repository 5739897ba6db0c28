import { z } from "zod";
import { DEFAULT_TRAINING_VALIDITY_MONTHS, staffRoles, trainerKinds, trainingResults, trainingStates } from "@/db/schema/values";
import { day, pageInput, requiredText, text, trimmed, uuid } from "./common";
import { phoneE164 } from "./phone";

const optionalPhone = z.union([z.literal("").transform(() => null), phoneE164]).nullable();

export const staffListInput = z.object({
  q: trimmed(80).optional(),
  merchantId: uuid.optional(),
  storeId: uuid.optional(),
  role: z.enum(staffRoles).optional(),
  status: z.enum(["active", "left", "all"]).default("active"),
  // With a course: each person's standing on it, for choosing a session's attendees.
  courseId: uuid.optional(),
  ...pageInput,
});
export type StaffListInput = z.output<typeof staffListInput>;

export const staffCreateInput = z.object({
  storeId: uuid,
  name: requiredText(120),
  role: z.enum(staffRoles).default("cashier"),
  phone: optionalPhone.default(null),
});
export type StaffCreateInput = z.output<typeof staffCreateInput>;

// Without defaults: an update changes only the fields it names. `active: false` records that the person left.
export const staffUpdateInput = z
  .object({ storeId: uuid, name: requiredText(120), role: z.enum(staffRoles), phone: optionalPhone, active: z.boolean() })
  .partial()
  .extend({ id: uuid });
export type StaffUpdateInput = z.output<typeof staffUpdateInput>;

const roleList = z
  .array(z.enum(staffRoles))
  .max(staffRoles.length)
  .refine((roles) => new Set(roles).size === roles.length, { message: "roleListedTwice" });
const courseFields = {
  title: requiredText(160),
  topics: z.array(requiredText(300)).max(20),
  validityMonths: z.number().int().min(1).max(60),
  requiredFor: roleList,
  active: z.boolean(),
};
export const courseCreateInput = z.object({
  ...courseFields,
  topics: courseFields.topics.default([]),
  validityMonths: courseFields.validityMonths.default(DEFAULT_TRAINING_VALIDITY_MONTHS),
  requiredFor: courseFields.requiredFor.default([]),
  active: courseFields.active.default(true),
});
export type CourseCreateInput = z.output<typeof courseCreateInput>;
export const courseUpdateInput = z.object(courseFields).partial().extend({ id: uuid });
export type CourseUpdateInput = z.output<typeof courseUpdateInput>;

export const sessionInput = z
  .object({
    courseId: uuid,
    trainedOn: day,
    // A technician is named by their user id; the owner or an outside trainer by name.
    trainer: z.object({ kind: z.enum(trainerKinds), technicianId: text().min(1).max(100).optional(), name: trimmed(120).optional() }),
    notes: trimmed(2000).default(""),
    attendees: z
      .array(z.object({ staffId: uuid, result: z.enum(trainingResults).default("passed"), score: z.number().int().min(0).max(100).nullable().default(null) }))
      .min(1, { message: "chooseAttendee" })
      .max(200),
  })
  .refine((s) => new Set(s.attendees.map((a) => a.staffId)).size === s.attendees.length, { message: "attendeeListedTwice", path: ["attendees"] })
  .refine((s) => s.trainer.kind !== "technician" || s.trainer.technicianId, { message: "chooseTechnician", path: ["trainer", "technicianId"] })
  .refine((s) => s.trainer.kind === "technician" || s.trainer.name, { message: "nameTrainer", path: ["trainer", "name"] });
export type SessionInput = z.output<typeof sessionInput>;

export const recordListInput = z.object({
  q: trimmed(80).optional(),
  merchantId: uuid.optional(),
  storeId: uuid.optional(),
  staffId: uuid.optional(),
  courseId: uuid.optional(),
  // "expiring" and "expired" list only people still on the staff: they are the ones to retrain.
  state: z.enum(trainingStates).optional(),
  ...pageInput,
});
export type RecordListInput = z.output<typeof recordListInput>;

export const complianceInput = z.object({
  q: trimmed(80).optional(),
  merchantId: uuid.optional(),
  sort: z.enum(["name", "share"]).default("name"),
  ...pageInput,
});
export type ComplianceInput = z.output<typeof complianceInput>;
