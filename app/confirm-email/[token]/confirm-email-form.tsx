"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { FormError } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { useHydrated } from "@/app/_lib/use-hydrated";
import { useTRPC } from "@/app/_lib/trpc/client";

export function ConfirmEmailForm({ token }: { token: string }) {
  const t = useTranslations("accountLinks");
  const trpc = useTRPC();
  const confirm = useMutation(trpc.accountLinks.confirmEmailChange.mutationOptions());
  const hydrated = useHydrated();
  if (confirm.isSuccess) {
    return (
      <div role="status" className="space-y-3 rounded-xl border bg-card p-5 text-sm shadow-xs">
        <p>{t("confirmEmail.done", { email: confirm.data.email })}</p>
        <Button asChild className="w-full">
          <Link href="/login">{t("signIn")}</Link>
        </Button>
      </div>
    );
  }
  return (
    <form
      method="post"
      className="space-y-4 rounded-xl border bg-card p-5 shadow-xs"
      onSubmit={(event) => {
        event.preventDefault();
        confirm.mutate({ token });
      }}
    >
      <FormError error={confirm.error} />
      <Button type="submit" className="w-full" disabled={confirm.isPending || !hydrated}>
        {confirm.isPending ? t("saving") : t("confirmEmail.submit")}
      </Button>
    </form>
  );
}
