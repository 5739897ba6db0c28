import { TRPCError } from "@trpc/server";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import type { AccountLinkKind } from "@/db/schema/values";
import { serverCaller } from "../_lib/trpc/server";
import { SignedOutPage } from "./signed-out-page";

/** Who an e-mailed link is for and whether it still works, without using it; "unknown" for a token that is no link at all. */
export async function loadAccountLink(kind: AccountLinkKind, token: string) {
  try {
    return await (await serverCaller()).accountLinks.linkInfo({ kind, token });
  } catch (error) {
    if (error instanceof TRPCError && ["NOT_FOUND", "BAD_REQUEST"].includes(error.code)) return { state: "unknown" as const, kind };
    throw error;
  }
}

/** Where to get a new link of each kind once this one no longer works. */
const nextStep: Record<AccountLinkKind, { href: string; label: "askNewReset" | "signIn" | "openAccount" } | null> = {
  password_reset: { href: "/forgot-password", label: "askNewReset" },
  // Only whoever invited them can send another invitation.
  invitation: { href: "/login", label: "signIn" },
  email_change: { href: "/account", label: "openAccount" },
};

/** The page for a link that does not work: unknown, used or expired, each said plainly, with the way on. */
export async function AccountLinkProblem({ kind, state }: { kind: AccountLinkKind; state: "unknown" | "used" | "expired" }) {
  const t = await getTranslations("accountLinks");
  const step = nextStep[kind];
  return (
    <SignedOutPage title={t(`problem.${state}.title`)}>
      <div role="alert" className="space-y-3 rounded-xl border bg-card p-5 text-sm shadow-xs">
        <p>{t(`problem.${state}.${kind}`)}</p>
        {step && (
          <Link href={step.href} className="font-medium text-primary underline-offset-4 hover:underline">
            {t(step.label)}
          </Link>
        )}
      </div>
    </SignedOutPage>
  );
}
