import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { demoEnabled, sessionIdleMinutes } from "@/server/env";
import { LanguageSwitch } from "../_components/language-switch";
import { sameOriginPath } from "../_lib/same-origin-path";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const demoLogins = ["admin@demo.posfleet.dev", "tech@demo.posfleet.dev", "owner@demo.posfleet.dev", "owner2@demo.posfleet.dev"];

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string; idle?: string }> }) {
  const t = await getTranslations("login");
  const { next, idle } = await searchParams;
  // Only same-origin paths: an open redirect would let a link send people elsewhere after sign-in.
  const target = sameOriginPath(next);
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-6 p-4">
      <div className="absolute top-4 right-4">
        <LanguageSwitch />
      </div>
      <div className="w-full max-w-sm space-y-6">
        <div className="text-center">
          <h1 className="text-2xl font-semibold">POS Fleet</h1>
          <p className="text-sm text-muted-foreground">{t("subtitle")}</p>
        </div>
        {idle && (
          <p role="status" className="rounded-lg border bg-card p-3 text-sm">
            {t("idleSignedOut", { minutes: sessionIdleMinutes() })}
          </p>
        )}
        <LoginForm next={target} />
        <p className="text-center text-sm">
          <Link href="/forgot-password" className="text-primary underline-offset-4 hover:underline">
            {t("forgotPassword")}
          </Link>
        </p>
        {demoEnabled() && (
          <div className="rounded-lg border bg-card p-3 text-xs text-muted-foreground">
            <p className="mb-1 font-medium text-foreground">{t("demoTitle")}</p>
            <ul className="space-y-0.5 font-mono">
              {demoLogins.map((email) => (
                <li key={email}>{email}</li>
              ))}
            </ul>
            <p className="mt-1">{t("demoPassword", { password: "demo-password-1" })}</p>
          </div>
        )}
      </div>
    </main>
  );
}
