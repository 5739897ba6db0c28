import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { SignedOutPage } from "../_components/signed-out-page";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };
export const dynamic = "force-dynamic";

export default async function ForgotPasswordPage() {
  const t = await getTranslations("accountLinks");
  return (
    <SignedOutPage title={t("forgot.title")} subtitle={t("forgot.hint")}>
      <ForgotPasswordForm />
      <p className="text-center text-sm">
        <Link href="/login" className="text-primary underline-offset-4 hover:underline">
          {t("backToSignIn")}
        </Link>
      </p>
    </SignedOutPage>
  );
}
