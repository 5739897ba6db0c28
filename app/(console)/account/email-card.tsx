"use client";

import { useMutation } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { Field, formText } from "@/app/_components/form-dialog";
import { FormError } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { useTRPC } from "@/app/_lib/trpc/client";

/**
 * Changes the sign-in address: a link goes to the new one, and the change waits until it is
 * followed. The current password is asked again, so an unattended session cannot move the login.
 */
export function EmailCard({ email }: { email: string }) {
  const t = useTranslations("account.email");
  const trpc = useTRPC();
  const request = useMutation(trpc.account.requestEmailChange.mutationOptions());
  return (
    <Card role="region" aria-label={t("title")}>
      <CardHeader>
        <CardTitle>{t("title")}</CardTitle>
        <CardDescription>{t("description", { email })}</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          noValidate
          className="grid max-w-sm gap-3"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const data = new FormData(form);
            // The password as typed: spaces may be part of it.
            request.mutate({ newEmail: formText(data, "newEmail"), currentPassword: String(data.get("currentPassword") ?? "") }, { onSuccess: () => form.reset() });
          }}
        >
          <Field name="newEmail" label={t("new")} error={request.error} type="email" autoComplete="email" required />
          <Field name="currentPassword" label={t("currentPassword")} error={request.error} type="password" autoComplete="current-password" required />
          <FormError error={request.error} />
          {request.isSuccess && (
            <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
              {t("sent", { email: request.data.newEmail })}
            </p>
          )}
          <div>
            <Button type="submit" disabled={request.isPending}>
              {request.isPending ? t("sending") : t("submit")}
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
