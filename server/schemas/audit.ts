import { z } from "zod";
import { dateTime, trimmed } from "./common";

/**
 * Every action the audit log can hold. The audit writer takes only these, and each has a sentence
 * in both message catalogues (auditActions.<action>), so a new action cannot reach the log untranslated.
 */
export const auditActions = [
  "activation.requested",
  "activation.request_refused",
  "activation.verify_failed",
  "activation.verified",
  "activation.locked",
  "activation.blocked",
  "activation.cancelled",
  "activation.unblocked",
  "alert.acknowledged",
  "alert_rule.created",
  "alert_rule.updated",
  "alert_rule.deleted",
  "calendar_feed.rotated",
  "demo.seeded",
  "email.sent",
  "email.retry_scheduled",
  "email.failed",
  "firmware.created",
  "firmware.updated",
  "firmware.image_uploaded",
  "firmware.published",
  "firmware.deprecated",
  "firmware.deleted",
  "maintenance_plan.created",
  "maintenance_plan.updated",
  "maintenance_plan.advanced",
  "merchant.created",
  "merchant.updated",
  "model.created",
  "model.updated",
  "notice.created",
  "notice.updated",
  "notice.scheduled",
  "notice.published",
  "notice.unscheduled",
  "notice.withdrawn",
  "notice.deleted",
  "rollout.created",
  "rollout.started",
  "rollout.paused",
  "rollout.resumed",
  "rollout.completed",
  "rollout.cancelled",
  "rollout.remaining_cancelled",
  "rollout.phase_approved",
  "sms.sent",
  "sms.retry_scheduled",
  "sms.failed",
  "staff.created",
  "staff.updated",
  "staff.left",
  "staff.rejoined",
  "store.created",
  "store.updated",
  "terminal.created",
  "terminal.imported",
  "terminal.updated",
  "terminal.assigned",
  "terminal.status_changed",
  "terminal.tamper_suspended",
  "terminal.token_issued",
  "training.session_recorded",
  "training_course.created",
  "training_course.updated",
  "training_record.deleted",
  "user.created",
  "user.invited",
  "user.invitation_accepted",
  "user.password_reset_requested",
  "user.password_reset",
  "user.email_change_requested",
  "user.email_changed",
  "user.updated",
  "user.password_set",
  "user.password_changed",
  "user.sign_in_locked",
  "user.sign_in_unlocked",
  "user.sessions_ended",
  "user.session_ended",
  "user.assignments_set",
  "user.two_factor_enabled",
  "user.two_factor_disabled",
  "user.backup_codes_generated",
  "user.notification_settings_changed",
  "work_order.created",
  "work_order.fault_reported",
  "work_order.fault_added",
  "work_order.updated",
  "work_order.status_changed",
  "work_order.completed",
  "work_order.checklist_saved",
  "work_order.tamper_alert",
  "work_order.log_saved",
  "work_order.note_added",
  "work_order.photo_added",
  "webhook.created",
  "webhook.updated",
  "webhook.deleted",
  "webhook.secret_rotated",
  "webhook.test_sent",
  "webhook.delivery_resent",
  "webhook.delivery_failed",
] as const;
export type AuditAction = (typeof auditActions)[number];

/** The verbs of one group, e.g. AuditVerb<"rollout"> is "created" | "started" | …, for writers that prefix them. */
export type AuditVerb<Group extends string> = AuditAction extends infer A ? (A extends `${Group}.${infer Verb}` ? Verb : never) : never;

/** The groups an action starts with ("terminal", "activation", …): the audit log filters by them. */
export const auditActionGroups = [...new Set(auditActions.map((action) => action.slice(0, action.indexOf("."))))];

/** What an audit entry is about; each has a name (auditEntities.<type>) in both catalogues. */
export const auditEntityTypes = [
  "terminal",
  "merchant",
  "store",
  "terminal_model",
  "user",
  "work_order",
  "maintenance_plan",
  "firmware_release",
  "rollout",
  "notice",
  "sms",
  "email",
  "staff_member",
  "training_course",
  "training_record",
  "training_session",
  "webhook",
  "alert_rule",
  "alert",
  "system",
] as const;
export type AuditEntityType = (typeof auditEntityTypes)[number];

// An action filter is a whole action or a group: "terminal" matches every terminal.* action.
const actionFilter = z.union([z.enum(auditActions), z.enum(auditActionGroups as [string, ...string[]])], { message: "chooseFromList" });

export const auditFilterInput = z.object({
  action: actionFilter.optional(),
  entityType: z.enum(auditEntityTypes).optional(),
  entityId: trimmed(80).optional(),
  actorId: trimmed(64).optional(),
  from: dateTime.optional(),
  to: dateTime.optional(),
});
export type AuditFilterInput = z.output<typeof auditFilterInput>;

export const auditListInput = auditFilterInput.extend({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditListInput = z.output<typeof auditListInput>;
