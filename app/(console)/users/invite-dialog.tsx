"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { userRoles, type UserRole } from "@/db/schema/values";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { Label, Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

/**
 * Invites someone by e-mail: they set their own password from the link, so nobody else ever knows it.
 * With `merchant` the login is that merchant's (a merchant page inviting its staff): no role or merchant to choose.
 */
export function InviteDialog({ merchants = [], merchant }: { merchants?: { id: string; name: string }[]; merchant?: { id: string; name: string } }) {
  const t = useTranslations("users");
  const tr = useTranslations("nav.roles");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invite = useMutation(
    trpc.users.invite.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.users.pathFilter().queryKey }),
          queryClient.invalidateQueries({ queryKey: trpc.accountLinks.merchantLogins.pathFilter().queryKey }),
        ]),
    }),
  );
  const [role, setRole] = useState<UserRole>("merchant");
  const [sentTo, setSentTo] = useState<string | null>(null);
  return (
    <div className="flex flex-wrap items-center gap-2">
      {sentTo && (
        <p role="status" className="text-sm text-muted-foreground">
          {t("invited", { email: sentTo })}
        </p>
      )}
      <FormDialog
        trigger={<Button size="sm">{t("invite")}</Button>}
        title={t("inviteTitle")}
        description={t("inviteHint")}
        submitLabel={t("inviteSubmit")}
        error={invite.error}
        pending={invite.isPending}
        onOpenChange={() => invite.reset()}
        onSubmit={async (form) => {
          const result = await invite.mutateAsync({
            name: formText(form, "name"),
            email: formText(form, "email"),
            role: merchant ? "merchant" : role,
            merchantId: merchant ? merchant.id : role === "merchant" ? formText(form, "merchantId") || null : null,
          });
          setSentTo(result.email);
        }}
      >
        <Field name="name" label={t("name")} error={invite.error} required />
        <Field name="email" label={t("email")} error={invite.error} type="email" required />
        {merchant ? (
          <p className="text-sm text-muted-foreground">{t("inviteFor", { merchant: merchant.name })}</p>
        ) : (
          <div className="grid gap-1.5">
            <Label htmlFor="invite-role">{t("role")}</Label>
            <Select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as UserRole)} {...invalidProps(invite.error, "role")}>
              {userRoles.map((r) => (
                <option key={r} value={r}>
                  {tr(r)}
                </option>
              ))}
            </Select>
            <FieldError error={invite.error} field="role" />
          </div>
        )}
        {!merchant && role === "merchant" && (
          <Field name="merchantId" label={t("merchant")} error={invite.error} defaultValue="">
            <option value="">{tc("choose")}</option>
            {merchants.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </Field>
        )}
      </FormDialog>
    </div>
  );
}
