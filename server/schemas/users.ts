import { z } from "zod";
import { userRoles } from "@/db/schema/values";
import { pageInput, requiredText, trimmed, uuid } from "./common";

export const password = z.string().min(10, { message: "must be at least 10 characters" }).max(128);

const roleFields = {
  role: z.enum(userRoles),
  /** Required for merchant users, refused for the others. */
  merchantId: uuid.nullable().default(null),
};

const merchantMatchesRole = (u: { role?: string; merchantId?: string | null }) =>
  u.role === undefined || (u.role === "merchant") === Boolean(u.merchantId);
const roleMessage = { message: "a merchant user needs a merchant; other roles have none", path: ["merchantId"] };

export const userCreateInput = z
  .object({ name: requiredText(120), email: z.email({ message: "must be an e-mail address" }).trim().toLowerCase(), password, ...roleFields })
  .refine(merchantMatchesRole, roleMessage);

export const userUpdateInput = z
  .object({ id: requiredText(64), name: requiredText(120).optional(), role: roleFields.role.optional(), merchantId: uuid.nullable().optional(), disabled: z.boolean().optional() })
  .refine(merchantMatchesRole, roleMessage);

export const userSetPasswordInput = z.object({ id: requiredText(64), password });

export const technicianAssignInput = z.object({ technicianId: requiredText(64), merchantIds: z.array(uuid).max(10_000) });

export const userListInput = z.object({
  q: trimmed(80).optional(),
  role: z.enum(userRoles).optional(),
  ...pageInput,
});
