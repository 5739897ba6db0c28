"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { useHydrated } from "../_lib/use-hydrated";
import { authClient } from "../_lib/auth-client";
import { sameOriginPath } from "../_lib/same-origin-path";
import { Button } from "../_components/ui/button";
import { Input, Label } from "../_components/ui/input";
import { TwoFactorStep } from "./two-factor-step";

/** Which message explains a refused sign-in; better-auth's codes tell the causes apart. */
function signInErrorKey(error: { status: number; code?: string }) {
  if (error.code === "INVALID_ORIGIN") return "originRefused";
  if (error.code === "SIGN_IN_LOCKED") return "locked";
  if (error.code === "ACCOUNT_DISABLED") return "disabled";
  if (error.status === 429) return "rateLimited";
  return "invalid";
}

export function LoginForm({ next }: { next: string }) {
  const t = useTranslations("login");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [email, setEmail] = useState("");
  const [codeStep, setCodeStep] = useState(false);
  // Until React runs, a submit would post the form natively, with the password in the URL.
  const hydrated = useHydrated();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    setEmail(String(form.get("email")));
    const { data, error } = await authClient.signIn.email({ email: String(form.get("email")), password: String(form.get("password")) });
    if (error) {
      setPending(false);
      setError(t(signInErrorKey(error), { origin: window.location.origin }));
      return;
    }
    if ("twoFactorRedirect" in data && data.twoFactorRedirect) {
      setPending(false);
      setCodeStep(true);
      return;
    }
    // A full navigation, so the server renders the console with the new session.
    window.location.assign(sameOriginPath(next));
  }

  if (codeStep) {
    return (
      <TwoFactorStep
        next={next}
        onRestart={(message) => {
          setCodeStep(false);
          setError(message);
        }}
      />
    );
  }

  return (
    <form onSubmit={submit} method="post" className="space-y-4 rounded-xl border bg-card p-5 shadow-xs">
      <div className="space-y-1.5">
        <Label htmlFor="email">{t("email")}</Label>
        <Input id="email" name="email" type="email" autoComplete="username" required autoFocus={!email} defaultValue={email} />
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="password">{t("password")}</Label>
        <Input id="password" name="password" type="password" autoComplete="current-password" required autoFocus={Boolean(email)} />
      </div>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      <Button type="submit" className="w-full" disabled={pending || !hydrated}>
        {pending ? t("signingIn") : t("signIn")}
      </Button>
    </form>
  );
}
