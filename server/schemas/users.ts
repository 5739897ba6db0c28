import { z } from "zod";
import { userRoles } from "@/db/schema/values";
import { pageInput, requiredText, trimmed, uuid } from "./common";

/** The length rule of the password policy; the server also refuses common passwords and the e-mail (server/auth/password-policy.ts). */
export const password = z.string().min(12, { message: "must be at least 12 characters" }).max(128, { message: "must be at most 128 characters" });

const roleFields = {
  role: z.enum(userRoles),
  /** Required for merchant users, refused for the others. */
  merchantId: uuid.nullable().default(null),
};

/** Also the trainer's name on training records and the actor's in audit trails; only admins set it (see server/auth/user-fields.ts). */
export const userName = requiredText(120);

const merchantMatchesRole = (u: { role?: string; merchantId?: string | null }) => u.role === undefined || (u.role === "merchant") === Boolean(u.merchantId);
const roleMessage = { message: "a merchant user needs a merchant; other roles have none", path: ["merchantId"] };

export const userCreateInput = z
  .object({ name: userName, email: z.email({ message: "must be an e-mail address" }).trim().toLowerCase().max(254, { message: "must be at most 254 characters" }), password, ...roleFields })
  .refine(merchantMatchesRole, roleMessage);

export const userUpdateInput = z
  .object({ id: requiredText(64), name: userName.optional(), role: roleFields.role.optional(), merchantId: uuid.nullable().optional(), disabled: z.boolean().optional() })
  .refine(merchantMatchesRole, roleMessage);

export const userIdInput = z.object({ id: requiredText(64) });

export const userSetPasswordInput = z.object({ id: requiredText(64), password });

export const technicianAssignInput = z.object({ technicianId: requiredText(64), merchantIds: z.array(uuid).max(10_000) });

export const userListInput = z.object({
  q: trimmed(80).optional(),
  role: z.enum(userRoles).optional(),
  ...pageInput,
});
