import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { AccountLinkProblem, loadAccountLink } from "@/app/_components/account-link";
import { SignedOutPage } from "@/app/_components/signed-out-page";
import { ConfirmEmailForm } from "./confirm-email-form";

// The token is in the address: no other site may see it as the referrer.
export const metadata: Metadata = { title: "Confirm e-mail address", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

/** Opening the link only shows it: the change takes a press of the button, so a mail scanner that follows links changes nothing. */
export default async function ConfirmEmailPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const link = await loadAccountLink("email_change", token);
  if (link.state !== "valid") return <AccountLinkProblem kind="email_change" state={link.state} />;
  const t = await getTranslations("accountLinks");
  return (
    <SignedOutPage title={t("confirmEmail.title")} subtitle={t("confirmEmail.for", { name: link.name, email: link.newEmail! })}>
      <ConfirmEmailForm token={token} />
    </SignedOutPage>
  );
}
