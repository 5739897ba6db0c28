"use client";

import { useMutation } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { Field, formText } from "../_components/form-dialog";
import { FormError } from "../_components/form-error";
import { Button } from "../_components/ui/button";
import { useHydrated } from "../_lib/use-hydrated";
import { useTRPC } from "../_lib/trpc/client";

export function ForgotPasswordForm() {
  const t = useTranslations("accountLinks");
  const trpc = useTRPC();
  const request = useMutation(trpc.accountLinks.requestPasswordReset.mutationOptions());
  const hydrated = useHydrated();

  // The same sentence for every address: whether it has an account is nobody's business here.
  if (request.isSuccess) {
    return (
      <p role="status" className="rounded-xl border bg-card p-5 text-sm shadow-xs">
        {t("forgot.sent", { email: request.variables.email })}
      </p>
    );
  }
  return (
    <form
      method="post"
      noValidate
      className="space-y-4 rounded-xl border bg-card p-5 shadow-xs"
      onSubmit={(event) => {
        event.preventDefault();
        request.mutate({ email: formText(new FormData(event.currentTarget), "email") });
      }}
    >
      <Field name="email" label={t("email")} error={request.error} type="email" autoComplete="username" required autoFocus />
      <FormError error={request.error} />
      <Button type="submit" className="w-full" disabled={request.isPending || !hydrated}>
        {request.isPending ? t("sending") : t("forgot.submit")}
      </Button>
    </form>
  );
}
