"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { ShieldAlertIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { passwordChangeInput } from "@/server/schemas/account";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { FormError } from "@/app/_components/form-error";
import { DateTime, RelativeTime } from "@/app/_components/format";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Input, Label } from "@/app/_components/ui/input";
import { authClient } from "@/app/_lib/auth-client";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useAuthErrorText } from "./auth-error";
import { EmailCard } from "./email-card";
import { TwoFactorCard } from "./two-factor-card";

export function AccountView({ startEnrolment }: { startEnrolment: boolean }) {
  const t = useTranslations("account");
  const trpc = useTRPC();
  const { data: account } = useSuspenseQuery(trpc.account.get.queryOptions());
  return (
    <div className="max-w-3xl space-y-4">
      <div>
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <p className="text-sm text-muted-foreground">{t("signedInAs", { email: account.email })}</p>
      </div>
      {account.secondFactorRequired && !account.twoFactorEnabled && (
        <p role="status" className="flex gap-2 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          <ShieldAlertIcon className="mt-0.5 size-4 shrink-0" aria-hidden />
          {t("enrolRequired")}
        </p>
      )}
      <TwoFactorCard account={account} startEnrolment={startEnrolment} />
      <PasswordCard email={account.email} />
      <EmailCard email={account.email} />
      <SessionsCard />
    </div>
  );
}

type PasswordField = "currentPassword" | "newPassword" | "confirmPassword";

function PasswordCard({ email }: { email: string }) {
  const t = useTranslations("account.password");
  const errorText = useAuthErrorText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<PasswordField, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [changed, setChanged] = useState(false);
  const [pending, setPending] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = Object.fromEntries(new FormData(form));
    setError(null);
    setChanged(false);
    const parsed = passwordChangeInput.safeParse(values);
    if (!parsed.success) {
      const messages: Partial<Record<PasswordField, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as PasswordField;
        messages[field] ??= field === "currentPassword" ? t("required") : field === "confirmPassword" ? t("mismatch") : issue.code === "too_big" ? t("tooLong") : t("tooShort");
      }
      setFieldErrors(messages);
      return;
    }
    setFieldErrors({});
    setPending(true);
    // Whoever is signed in elsewhere with the old password must sign in again with the new one.
    const { error } = await authClient.changePassword({ currentPassword: parsed.data.currentPassword, newPassword: parsed.data.newPassword, revokeOtherSessions: true });
    setPending(false);
    if (error) {
      setError(errorText(error));
      return;
    }
    form.reset();
    setChanged(true);
    void queryClient.invalidateQueries({ queryKey: trpc.account.pathFilter().queryKey });
  }

  const field = (name: PasswordField, label: string, autoComplete: string, hint?: string) => (
    <div className="grid gap-1.5">
      <Label htmlFor={`password-${name}`}>{label}</Label>
      <Input
        id={`password-${name}`}
        name={name}
        type="password"
        autoComplete={autoComplete}
        aria-invalid={Boolean(fieldErrors[name])}
        aria-describedby={[hint && `password-${name}-hint`, fieldErrors[name] && `password-${name}-error`].filter(Boolean).join(" ") || undefined}
      />
      {hint && (
        <p id={`password-${name}-hint`} className="text-xs text-muted-foreground">
          {hint}
        </p>
      )}
      {fieldErrors[name] && (
        <p id={`password-${name}-error`} className="text-xs text-destructive">
          {fieldErrors[name]}
        </p>
      )}
    </div>
  );

  return (
    <Card role="region" aria-label={t("title")}>
      <CardHeader>
        <CardTitle>{t("title")}</CardTitle>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} noValidate className="grid max-w-sm gap-3">
          {/* Lets password managers save the new password under the right account. */}
          <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
          {field("currentPassword", t("current"), "current-password")}
          {field("newPassword", t("new"), "new-password", t("hint"))}
          {field("confirmPassword", t("confirm"), "new-password")}
          <FormError error={error && { message: error }} />
          {changed && (
            <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
              {t("changed")}
            </p>
          )}
          <div>
            <Button type="submit" disabled={pending}>
              {pending ? t("changing") : t("submit")}
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

function SessionsCard() {
  const t = useTranslations("account.sessions");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: sessions } = useSuspenseQuery(trpc.account.sessions.queryOptions());
  const end = useMutation(trpc.account.endSession.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.account.sessions.queryKey() }) }));
  const deviceOf = (s: { browser: string | null; os: string | null }) => (s.browser && s.os ? t("device", { browser: s.browser, os: s.os }) : (s.browser ?? s.os ?? t("unknownDevice")));

  return (
    <Card role="region" aria-label={t("title")}>
      <CardHeader>
        <CardTitle>{t("title")}</CardTitle>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent>
        <ul className="divide-y" data-testid="sessions">
          {sessions.map((session) => (
            <li key={session.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 py-3">
              <div className="min-w-0 space-y-1">
                <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
                  {deviceOf(session)}
                  {session.current && <Badge variant="success">{t("current")}</Badge>}
                </p>
                <dl className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted-foreground">
                  <div className="flex gap-1">
                    <dt>{t("ip")}</dt>
                    <dd className="font-mono">{session.ipAddress ?? "—"}</dd>
                  </div>
                  <div className="flex gap-1">
                    <dt>{t("lastUsed")}</dt>
                    <dd>
                      <RelativeTime date={session.updatedAt} />
                    </dd>
                  </div>
                  <div className="flex gap-1">
                    <dt>{t("created")}</dt>
                    <dd>
                      <DateTime date={session.createdAt} />
                    </dd>
                  </div>
                </dl>
              </div>
              {!session.current && (
                <ConfirmDialog
                  label={t("end")}
                  title={t("endTitle")}
                  description={t("endDescription", { device: deviceOf(session) })}
                  onConfirm={() => end.mutateAsync({ id: session.id })}
                  error={end.error}
                  pending={end.isPending}
                  destructive
                />
              )}
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}
