import { z } from "zod";
import { alertRuleKinds, alertSeverities, emailDeliveryModes, merchantLanguages, smsDeliveryModes, type AlertRuleKind } from "@/db/schema/values";
import { pageInput, requiredText, trimmed, uuid } from "./common";
import { timeZone } from "./merchants";
import { phoneE164 } from "./phone";

/** What a rule's threshold means and its range, per kind; kinds without one have none. */
export const alertThresholds: Partial<Record<AlertRuleKind, { unit: "minutes" | "percent" | "perHour" | "days"; min: number; max: number; default: number }>> = {
  terminal_offline: { unit: "minutes", min: 5, max: 10_080, default: 30 },
  low_battery: { unit: "percent", min: 1, max: 99, default: 15 },
  errors_reported: { unit: "perHour", min: 1, max: 1_000, default: 5 },
  training_expiring: { unit: "days", min: 1, max: 365, default: 30 },
  sms_failing: { unit: "perHour", min: 1, max: 1_000, default: 1 },
};

/** Kinds about the fleet as a whole (rollouts), which only admins' rules watch. */
export const adminOnlyAlertKinds: readonly AlertRuleKind[] = ["rollout_paused"];

/** The severity a new rule of each kind starts with; a failed tamper check is always worth waking someone. */
export const defaultAlertSeverity: Record<AlertRuleKind, (typeof alertSeverities)[number]> = {
  terminal_offline: "warning",
  tamper_failed: "critical",
  low_battery: "info",
  errors_reported: "warning",
  rollout_paused: "warning",
  work_order_assigned: "info",
  work_order_overdue: "warning",
  training_expiring: "info",
  sms_failing: "warning",
};

const ruleFields = {
  name: requiredText(80),
  kind: z.enum(alertRuleKinds),
  severity: z.enum(alertSeverities),
  threshold: z.coerce.number().int().nullable().default(null),
  onlyWhenOpen: z.boolean().default(false),
  // Admins only: none chosen means the whole fleet. A merchant owner's rule is their own merchant's.
  merchantIds: z.array(uuid).max(200).default([]),
  storeIds: z.array(uuid).max(200).default([]),
  email: z.boolean().default(true),
  sms: z.boolean().default(false),
  webhook: z.boolean().default(false),
  enabled: z.boolean().default(true),
};

/** A threshold in its kind's range, and none for a kind without one. */
function checkThreshold(rule: { kind?: AlertRuleKind; threshold?: number | null }, ctx: z.RefinementCtx) {
  if (!rule.kind) return;
  const range = alertThresholds[rule.kind];
  if (!range) return;
  if (rule.threshold == null || rule.threshold < range.min || rule.threshold > range.max) {
    ctx.addIssue({ code: "custom", path: ["threshold"], message: "alertThresholdRange", params: { min: range.min, max: range.max } });
  }
}

export const alertRuleInput = z.object(ruleFields).superRefine(checkThreshold);
export type AlertRuleInput = z.infer<typeof alertRuleInput>;

export const alertRuleUpdateInput = z.object({ id: uuid, ...ruleFields }).superRefine(checkThreshold);
export type AlertRuleUpdateInput = z.infer<typeof alertRuleUpdateInput>;

const flag = z.union([z.boolean(), z.stringbool()]).optional();

export const alertListInput = z.object({
  // One alert, as an e-mail's link names it.
  id: uuid.optional(),
  status: z.enum(["open", "resolved", "all"]).default("open"),
  kind: z.enum(alertRuleKinds).optional(),
  severity: z.enum(alertSeverities).optional(),
  unread: flag,
  acknowledged: flag,
  q: trimmed(100).optional(),
  ...pageInput,
});
export type AlertListInput = z.input<typeof alertListInput>;
export type AlertListFilter = z.output<typeof alertListInput>;

export const acknowledgeAlertInput = z.object({ id: uuid, note: trimmed(500).default("") });
export const markAlertsReadInput = z.union([z.object({ ids: z.array(uuid).min(1).max(500) }), z.object({ all: z.literal(true) })]);

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "enterTime" });
const optionalPhone = z
  .string()
  .trim()
  .nullable()
  .transform((phone) => phone || null)
  .pipe(phoneE164.nullable());

export const notificationSettingsInput = z
  .object({
    emailMode: z.enum(emailDeliveryModes),
    smsMode: z.enum(smsDeliveryModes),
    phone: optionalPhone,
    quietFrom: clock.nullable(),
    quietUntil: clock.nullable(),
    timeZone,
    locale: z.enum(merchantLanguages),
  })
  .superRefine((s, ctx) => {
    if ((s.quietFrom === null) !== (s.quietUntil === null)) ctx.addIssue({ code: "custom", path: [s.quietFrom === null ? "quietFrom" : "quietUntil"], message: "quietHoursBothEnds" });
    else if (s.quietFrom !== null && s.quietFrom === s.quietUntil) ctx.addIssue({ code: "custom", path: ["quietUntil"], message: "quietHoursEmpty" });
  });
export type NotificationSettingsInput = z.infer<typeof notificationSettingsInput>;
