"use client";

import { useTranslations } from "next-intl";

/** A refusal from better-auth's endpoints (the client's `error`). */
export type AuthError = { status: number; code?: string | undefined; message?: string | undefined };

/**
 * A refusal in the user's language. The password policy's refusal says exactly what is wrong with
 * the new password, so its own message is shown.
 */
export function useAuthErrorText() {
  const t = useTranslations("account");
  return (error: AuthError): string => {
    if (error.status === 429) return t("tooMany");
    if (error.code === "PASSWORD_POLICY" && error.message) return error.message;
    if (error.code === "INVALID_PASSWORD") return t("passwordInvalid");
    if (error.code === "INVALID_CODE") return t("twoFactor.codeInvalid");
    return t("failed");
  };
}
