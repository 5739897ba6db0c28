import { z } from "zod";
import { accountLinkKinds, outboxStatuses, userRoles } from "@/db/schema/values";
import { pageInput, requiredText, uuid } from "./common";
import { password, userName } from "./users";

/** An address as people type it: compared and stored lower-case, like users.create stores it. */
export const emailAddress = z.email().trim().toLowerCase().max(254);

/** A link's token as it arrives from the URL; the service tells an unknown one apart with a sentence of its own. */
const token = requiredText(200);

export const inviteInput = z.object({ name: userName, email: emailAddress, role: z.enum(userRoles), merchantId: uuid.nullable().default(null) }).superRefine((u, ctx) => {
  if (u.role === "merchant" && !u.merchantId) ctx.addIssue({ code: "custom", path: ["merchantId"], message: "merchantUserNeedsMerchant" });
  if (u.role !== "merchant" && u.merchantId) ctx.addIssue({ code: "custom", path: ["merchantId"], message: "onlyMerchantUsersHaveMerchant" });
});
export type InviteInput = z.output<typeof inviteInput>;

export const linkInfoInput = z.object({ kind: z.enum(accountLinkKinds), token });

/** Setting a password from a link: an invitation's first one, or a reset. The server applies the full policy. */
export const setPasswordByLinkInput = z
  .object({ token, password, confirmPassword: z.string().max(128) })
  .refine((form) => form.password === form.confirmPassword, { message: "passwordMismatch", path: ["confirmPassword"] });

export const passwordResetRequestInput = z.object({ email: emailAddress });

/** An address change asks for the current password again: a session left open must not be enough. */
export const emailChangeRequestInput = z.object({ newEmail: emailAddress, currentPassword: z.string().min(1, { message: "fieldRequired" }).max(128) });
export type EmailChangeRequestInput = z.output<typeof emailChangeRequestInput>;

export const confirmEmailChangeInput = z.object({ token });

export const emailOutboxListInput = z.object({ status: z.enum(outboxStatuses).optional(), ...pageInput });
export type EmailOutboxListInput = z.output<typeof emailOutboxListInput>;

/** One merchant's console logins, a page at a time. */
export const merchantLoginsInput = z.object({ merchantId: uuid, ...pageInput });
export type MerchantLoginsInput = z.output<typeof merchantLoginsInput>;
