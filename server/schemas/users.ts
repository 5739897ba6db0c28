import { z } from "zod";
import { userRoles } from "@/db/schema/values";
import { pageInput, requiredText, trimmed, uuid } from "./common";

/** The length rule of the password policy; the server also refuses common passwords and the e-mail (server/auth/password-policy.ts). */
export const password = z.string().min(12, { message: "passwordTooShort" }).max(128);

const roleFields = {
  role: z.enum(userRoles),
  /** Required for merchant users, refused for the others. */
  merchantId: uuid.nullable().default(null),
};

/** Also the trainer's name on training records and the actor's in audit trails; only admins set it (see server/auth/user-fields.ts). */
export const userName = requiredText(120);

/** A merchant user belongs to one merchant; admins and technicians to none. Checked only when the role is given. */
function merchantMatchesRole(u: { role?: string; merchantId?: string | null }, ctx: z.RefinementCtx) {
  if (u.role === "merchant" && !u.merchantId) ctx.addIssue({ code: "custom", path: ["merchantId"], message: "merchantUserNeedsMerchant" });
  if (u.role !== undefined && u.role !== "merchant" && u.merchantId) ctx.addIssue({ code: "custom", path: ["merchantId"], message: "onlyMerchantUsersHaveMerchant" });
}

export const userCreateInput = z.object({ name: userName, email: z.email().trim().toLowerCase().max(254), password, ...roleFields }).superRefine(merchantMatchesRole);

export const userUpdateInput = z
  .object({ id: requiredText(64), name: userName.optional(), role: roleFields.role.optional(), merchantId: uuid.nullable().optional(), disabled: z.boolean().optional() })
  .superRefine(merchantMatchesRole);

export const userIdInput = z.object({ id: requiredText(64) });

export const userSetPasswordInput = z.object({ id: requiredText(64), password });

export const technicianAssignInput = z.object({ technicianId: requiredText(64), merchantIds: z.array(uuid).max(10_000) });

export const userListInput = z.object({
  q: trimmed(80).optional(),
  role: z.enum(userRoles).optional(),
  ...pageInput,
});
