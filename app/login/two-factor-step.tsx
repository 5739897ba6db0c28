"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { authClient } from "../_lib/auth-client";
import { sameOriginPath } from "../_lib/same-origin-path";
import { OneTimeCodeInput } from "../_components/one-time-code-input";
import { Button } from "../_components/ui/button";
import { Input, Label } from "../_components/ui/input";

/**
 * The second step of a sign-in for a user with two-factor on: the password was right, and
 * better-auth holds the sign-in (in a short-lived cookie) until a code from the authenticator app,
 * or one of the backup codes, confirms it. `onRestart` goes back to the password with a message.
 */
export function TwoFactorStep({ next, onRestart }: { next: string; onRestart: (message: string | null) => void }) {
  const t = useTranslations("login");
  const [backup, setBackup] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem("code") as HTMLInputElement;
    const code = input.value.replace(/\s/g, "");
    if (!backup && !/^\d{6}$/.test(code)) {
      setError(t("codeFormat"));
      return;
    }
    setPending(true);
    setError(null);
    const { error } = backup ? await authClient.twoFactor.verifyBackupCode({ code }) : await authClient.twoFactor.verifyTotp({ code });
    if (!error) {
      window.location.assign(sameOriginPath(next));
      return;
    }
    setPending(false);
    // The held sign-in is gone (it expired, or took 5 wrong codes): only the password starts a new one.
    if (error.code === "INVALID_TWO_FACTOR_COOKIE") return onRestart(t("codeExpired"));
    if (error.code === "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE") return onRestart(t("tooManyCodes"));
    if (error.code === "ACCOUNT_TEMPORARILY_LOCKED") return setError(t("codeLocked"));
    if (error.status === 429) return setError(t("rateLimited"));
    setError(backup ? t("backupInvalid") : t("codeInvalid"));
    // Typing the next try replaces the wrong code.
    input.select();
  }

  return (
    // Keyed by the kind of code, so switching clears the field and focuses it again.
    <form key={backup ? "backup" : "totp"} onSubmit={submit} noValidate className="space-y-4 rounded-xl border bg-card p-5 shadow-xs" data-testid="two-factor-step">
      <div className="space-y-1">
        <h2 className="font-semibold">{t("codeTitle")}</h2>
        <p className="text-sm text-muted-foreground">{backup ? t("backupHint") : t("codeHint")}</p>
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="code">{backup ? t("backupCode") : t("code")}</Label>
        {backup ? (
          <Input id="code" name="code" autoComplete="off" autoCapitalize="off" spellCheck={false} required autoFocus aria-invalid={Boolean(error)} className="font-mono" />
        ) : (
          <OneTimeCodeInput id="code" invalid={Boolean(error)} />
        )}
      </div>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? t("verifying") : t("verify")}
      </Button>
      <div className="flex flex-wrap justify-between gap-2 text-sm">
        <button
          type="button"
          className="text-primary hover:underline"
          onClick={() => {
            setBackup(!backup);
            setError(null);
          }}
        >
          {backup ? t("useApp") : t("useBackup")}
        </button>
        <button type="button" className="text-muted-foreground hover:underline" onClick={() => onRestart(null)}>
          {t("startOver")}
        </button>
      </div>
    </form>
  );
}
