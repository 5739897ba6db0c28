import { z } from "zod";
import { requiredText } from "./common";
import { password } from "./users";

export const sessionIdInput = z.object({ id: requiredText(64) });

/** The password change form; better-auth's /change-password takes it and applies the full policy. */
export const passwordChangeInput = z
  .object({ currentPassword: z.string().min(1), newPassword: password, confirmPassword: z.string() })
  .refine((form) => form.newPassword === form.confirmPassword, { message: "passwordMismatch", path: ["confirmPassword"] });
