import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { AccountLinkProblem, loadAccountLink } from "@/app/_components/account-link";
import { SetPasswordForm } from "@/app/_components/set-password-form";
import { SignedOutPage } from "@/app/_components/signed-out-page";

// The token is in the address: no other site may see it as the referrer.
export const metadata: Metadata = { title: "Reset password", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

export default async function ResetPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const link = await loadAccountLink("password_reset", token);
  if (link.state !== "valid") return <AccountLinkProblem kind="password_reset" state={link.state} />;
  const t = await getTranslations("accountLinks");
  return (
    <SignedOutPage title={t("reset.title")} subtitle={t("reset.for", { email: link.email })}>
      <SetPasswordForm kind="password_reset" token={token} email={link.email} />
    </SignedOutPage>
  );
}
