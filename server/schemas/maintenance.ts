import { z } from "zod";
import { checklistItems, checklistResults, defaultChecklists, faultSymptoms, planScopes, recurrenceUnits, workOrderPriorities, workOrderStatuses, workOrderTypes } from "@/db/schema/values";
import { dateTime, day, pageInput, requiredText, text, trimmed, uuid } from "./common";

const planFields = {
  name: requiredText(120),
  scope: z.enum(planScopes),
  terminalId: uuid.nullable(),
  storeId: uuid.nullable(),
  modelId: uuid.nullable(),
  // For a model plan: only this merchant's terminals of the model (none: the whole fleet).
  merchantId: uuid.nullable(),
  everyN: z.number().int().min(1).max(365),
  unit: z.enum(recurrenceUnits),
  rrule: trimmed(300)
    .transform((v) => v || null)
    .nullable(),
  technicianId: text().min(1).max(100).nullable(),
  firstDue: day,
  leadDays: z.number().int().min(0).max(60),
  active: z.boolean(),
  // The plan's checklist template: which lines its work orders carry.
  checklist: z.array(z.enum(checklistItems().map((i) => i.key) as [string, ...string[]])).min(1, { message: "keepChecklistLine" }),
};
export const planCreateInput = z.object({
  ...planFields,
  terminalId: planFields.terminalId.default(null),
  storeId: planFields.storeId.default(null),
  modelId: planFields.modelId.default(null),
  merchantId: planFields.merchantId.default(null),
  everyN: planFields.everyN.default(3),
  unit: planFields.unit.default("month"),
  rrule: planFields.rrule.default(null),
  technicianId: planFields.technicianId.default(null),
  leadDays: planFields.leadDays.default(7),
  active: planFields.active.default(true),
  checklist: planFields.checklist.default(defaultChecklists.preventive.map((i) => i.key)),
});
export type PlanCreateInput = z.output<typeof planCreateInput>;
// Without defaults: an update changes only the fields it names.
export const planUpdateInput = z
  .object({
    name: planFields.name,
    everyN: planFields.everyN,
    unit: planFields.unit,
    rrule: planFields.rrule,
    technicianId: planFields.technicianId,
    leadDays: planFields.leadDays,
    active: planFields.active,
  })
  .partial()
  .extend({ id: uuid });
export type PlanUpdateInput = z.output<typeof planUpdateInput>;

export const planListInput = z.object({ q: trimmed(80).optional(), ...pageInput });

export const dueFilters = ["overdue", "due_soon"] as const;

/** A yes/no filter from a URL ("true", "1") or a caller (true). */
const flag = z.union([z.boolean(), z.stringbool()]).optional();

export const workOrderListInput = z.object({
  q: trimmed(40).optional(),
  status: z.enum(workOrderStatuses).optional(),
  open: flag,
  type: z.enum(workOrderTypes).optional(),
  priority: z.enum(workOrderPriorities).optional(),
  tamper: flag,
  due: z.enum(dueFilters).optional(),
  mine: flag,
  technicianId: text().max(100).optional(),
  merchantId: uuid.optional(),
  terminalId: uuid.optional(),
  ...pageInput,
});
export type WorkOrderListInput = z.output<typeof workOrderListInput>;

export const calendarInput = z
  .object({ from: day, to: day, mine: z.boolean().default(false) })
  .refine((r) => r.from <= r.to && Date.parse(r.to) - Date.parse(r.from) <= 62 * 86_400_000, { message: "calendarRange", path: ["to"] });

export const workOrderCreateInput = z.object({
  type: z.enum(workOrderTypes),
  terminalId: uuid,
  title: requiredText(160),
  description: trimmed(4000).default(""),
  priority: z.enum(workOrderPriorities).default("normal"),
  dueDate: day,
  technicianId: text().min(1).max(100).nullable().default(null),
});

export const faultReportInput = z
  .object({
    terminalId: uuid,
    symptoms: z.array(z.enum(faultSymptoms)).min(1, { message: "chooseSymptom" }).max(faultSymptoms.length),
    description: trimmed(2000).default(""),
    // The terminal has an open repair already: the reporter agreed to add this report to it.
    addToOpenRepair: z.boolean().default(false),
  })
  .refine((r) => !r.symptoms.includes("other") || r.description.length > 0, { message: "describeProblem", path: ["description"] });

export const workOrderUpdateInput = z
  .object({
    technicianId: text().min(1).max(100).nullable(),
    priority: z.enum(workOrderPriorities),
    dueDate: day,
    scheduledFor: dateTime.nullable(),
    title: requiredText(160),
  })
  .partial()
  .extend({ id: uuid });

export const workOrderTransitionInput = z.object({ id: uuid, status: z.enum(workOrderStatuses) });

const checklistLine = z.object({ key: text().min(1).max(60), result: z.enum(checklistResults).nullable(), note: trimmed(500).default("") });
export type ChecklistLineInput = z.output<typeof checklistLine>;

const workLogFields = {
  parts: z.array(z.object({ name: requiredText(120), quantity: z.number().int().min(1).max(999) })).max(30),
  minutesSpent: z.number().int().min(0).max(10_000).nullable(),
  resolution: trimmed(4000),
  signoffName: trimmed(120),
};

/**
 * The technician's one save: checklist results, the work log, a new log entry and, when asked,
 * completion. `saveId` (made by the client, new for each version of the draft) makes a resend
 * after a lost answer harmless; the log entry's id is the client's too, so it is written once.
 */
export const saveWorkInput = z.object({
  id: uuid,
  saveId: uuid,
  // Only the lines the technician changed: someone else's results on other lines stay as they saved them.
  checklist: z.array(checklistLine).max(50),
  ...workLogFields,
  note: z
    .object({ id: uuid, body: requiredText(2000) })
    .nullable()
    .default(null),
  complete: z.boolean().default(false),
});
export type SaveWorkInput = z.output<typeof saveWorkInput>;
