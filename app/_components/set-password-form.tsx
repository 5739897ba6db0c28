"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { Field } from "./form-dialog";
import { FormError } from "./form-error";
import { Button } from "./ui/button";
import { useHydrated } from "../_lib/use-hydrated";
import { useTRPC } from "../_lib/trpc/client";

/** Sets the password from an invitation or a reset link; the link is used up when it succeeds. */
export function SetPasswordForm({ kind, token, email }: { kind: "invitation" | "password_reset"; token: string; email: string }) {
  const t = useTranslations("accountLinks");
  const trpc = useTRPC();
  const accept = useMutation(trpc.accountLinks.acceptInvitation.mutationOptions());
  const reset = useMutation(trpc.accountLinks.resetPassword.mutationOptions());
  const mutation = kind === "invitation" ? accept : reset;
  const hydrated = useHydrated();

  if (mutation.isSuccess) {
    return (
      <div role="status" className="space-y-3 rounded-xl border bg-card p-5 text-sm shadow-xs">
        <p>{t(kind === "invitation" ? "invite.done" : "reset.done", { email })}</p>
        <Button asChild className="w-full">
          <Link href="/login">{t("signIn")}</Link>
        </Button>
      </div>
    );
  }
  return (
    <form
      method="post"
      noValidate
      className="space-y-4 rounded-xl border bg-card p-5 shadow-xs"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        mutation.mutate({ token, password: String(form.get("password") ?? ""), confirmPassword: String(form.get("confirmPassword") ?? "") });
      }}
    >
      {/* For the browser's password manager: which login the new password belongs to. */}
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field name="password" label={t("password")} error={mutation.error} type="password" autoComplete="new-password" required autoFocus aria-describedby="password-hint" />
      <p id="password-hint" className="-mt-2 text-xs text-muted-foreground">
        {t("passwordHint")}
      </p>
      <Field name="confirmPassword" label={t("confirmPassword")} error={mutation.error} type="password" autoComplete="new-password" required />
      <FormError error={mutation.error} />
      <Button type="submit" className="w-full" disabled={mutation.isPending || !hydrated}>
        {mutation.isPending ? t("saving") : t("setPassword")}
      </Button>
    </form>
  );
}
