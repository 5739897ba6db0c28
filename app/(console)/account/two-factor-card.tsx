"use client";

import { useQueryClient } from "@tanstack/react-query";
import { CheckIcon, CopyIcon, DownloadIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import QRCode from "qrcode";
import { useState } from "react";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FormError } from "@/app/_components/form-error";
import { OneTimeCodeInput } from "@/app/_components/one-time-code-input";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Input, Label } from "@/app/_components/ui/input";
import { authClient } from "@/app/_lib/auth-client";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useAuthErrorText, type AuthError } from "./auth-error";

type Account = { email: string; twoFactorEnabled: boolean; secondFactorRequired: boolean };

type Stage =
  | { step: "status" }
  | { step: "password" }
  | { step: "scan"; totpURI: string; backupCodes: string[] }
  // After a required enrolment the rest of the console opens, so "saved" continues there.
  | { step: "codes"; backupCodes: string[]; enrolled: boolean; continueToConsole: boolean };

export function TwoFactorCard({ account, startEnrolment }: { account: Account; startEnrolment: boolean }) {
  const t = useTranslations("account.twoFactor");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [stage, setStage] = useState<Stage>({ step: startEnrolment && !account.twoFactorEnabled ? "password" : "status" });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.account.pathFilter().queryKey });

  return (
    <Card role="region" aria-label={t("title")}>
      <CardHeader>
        <div className="flex flex-wrap items-center gap-2">
          <CardTitle>{t("title")}</CardTitle>
          <Badge variant={account.twoFactorEnabled ? "success" : "muted"} data-testid="two-factor-status">
            {account.twoFactorEnabled ? t("on") : t("off")}
          </Badge>
          {account.secondFactorRequired && <Badge variant="outline">{t("required")}</Badge>}
        </div>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent>
        {stage.step === "password" && <StartEnrolment onStarted={(totpURI, backupCodes) => setStage({ step: "scan", totpURI, backupCodes })} onCancel={() => setStage({ step: "status" })} />}
        {stage.step === "scan" && (
          <ConfirmEnrolment
            totpURI={stage.totpURI}
            onCancel={() => setStage({ step: "status" })}
            onConfirmed={() => {
              void refresh();
              setStage({ step: "codes", backupCodes: stage.backupCodes, enrolled: true, continueToConsole: account.secondFactorRequired && !account.twoFactorEnabled });
            }}
          />
        )}
        {stage.step === "codes" && (
          <BackupCodes
            email={account.email}
            codes={stage.backupCodes}
            enrolled={stage.enrolled}
            onSaved={() => {
              // A full load, so the console layout renders again, sees the second factor and opens the other pages.
              // eslint-disable-next-line @next/next/no-location-assign-relative-destination
              if (stage.continueToConsole) window.location.assign("/");
              else setStage({ step: "status" });
            }}
          />
        )}
        {stage.step === "status" &&
          (account.twoFactorEnabled ? (
            <div className="flex flex-wrap gap-2">
              <PasswordDialog
                label={t("regenerate")}
                title={t("regenerateTitle")}
                description={t("regenerateHint")}
                onConfirm={async (password) => {
                  const { data, error } = await authClient.twoFactor.generateBackupCodes({ password });
                  if (data) setStage({ step: "codes", backupCodes: data.backupCodes, enrolled: false, continueToConsole: false });
                  return error;
                }}
              />
              <PasswordDialog
                label={t("disable")}
                title={t("disableTitle")}
                description={account.secondFactorRequired ? t("disableRequiredHint") : t("disableHint")}
                destructive
                onConfirm={async (password) => {
                  const { error } = await authClient.twoFactor.disable({ password });
                  if (!error) {
                    void refresh();
                    // The console layout decides again whether this user must enrol first.
                    router.refresh();
                  }
                  return error;
                }}
              />
            </div>
          ) : (
            <Button onClick={() => setStage({ step: "password" })}>{t("setUp")}</Button>
          ))}
      </CardContent>
    </Card>
  );
}

/** Enrolment starts with the password: better-auth then makes the secret and the backup codes. */
function StartEnrolment({ onStarted, onCancel }: { onStarted: (totpURI: string, backupCodes: string[]) => void; onCancel: () => void }) {
  const t = useTranslations("account.twoFactor");
  const tc = useTranslations("common");
  const errorText = useAuthErrorText();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const { data, error } = await authClient.twoFactor.enable({ password: formText(new FormData(event.currentTarget), "password") });
    setPending(false);
    if (error) return setError(errorText(error));
    if (data.method === "totp") onStarted(data.totpURI, data.backupCodes);
  }

  return (
    <form onSubmit={submit} noValidate className="grid max-w-sm gap-3">
      <p className="text-sm">{t("passwordPrompt")}</p>
      <div className="grid gap-1.5">
        <Label htmlFor="enrol-password">{t("currentPassword")}</Label>
        <Input id="enrol-password" name="password" type="password" autoComplete="current-password" required autoFocus aria-invalid={Boolean(error)} />
      </div>
      <FormError error={error && { message: error }} />
      <div className="flex gap-2">
        <Button type="submit" disabled={pending}>
          {t("continue")}
        </Button>
        <Button type="button" variant="outline" onClick={onCancel}>
          {tc("cancel")}
        </Button>
      </div>
    </form>
  );
}

/** The authenticator app gets the secret (QR code or typed key); the first code it shows turns two-factor on. */
function ConfirmEnrolment({ totpURI, onConfirmed, onCancel }: { totpURI: string; onConfirmed: () => void; onCancel: () => void }) {
  const t = useTranslations("account.twoFactor");
  const tc = useTranslations("common");
  const errorText = useAuthErrorText();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const secret = new URL(totpURI).searchParams.get("secret") ?? "";

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem("code") as HTMLInputElement;
    const code = input.value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(code)) return setError(t("codeFormat"));
    setPending(true);
    setError(null);
    const { error } = await authClient.twoFactor.verifyTotp({ code });
    setPending(false);
    if (!error) return onConfirmed();
    setError(errorText(error));
    // Typing the next try replaces the wrong code.
    input.select();
  }

  return (
    <div className="space-y-5">
      <section className="space-y-3">
        <h3 className="text-sm font-semibold">{t("scanTitle")}</h3>
        <div className="flex flex-wrap items-start gap-4">
          <QrCode value={totpURI} label={t("qrAlt")} />
          <div className="min-w-0 max-w-xs space-y-1.5 text-sm">
            <p className="text-muted-foreground">{t("manualHint")}</p>
            <p className="text-xs font-medium">{t("secret")}</p>
            <code className="block rounded-md border bg-muted px-2 py-1.5 font-mono text-sm break-all select-all" data-testid="totp-secret">
              {secret.match(/.{1,4}/g)?.join(" ")}
            </code>
            {/* On a phone the QR code cannot be scanned, but the otpauth: link opens the app. */}
            <a href={totpURI} className="inline-block pt-1 text-primary underline-offset-4 hover:underline">
              {t("openInApp")}
            </a>
          </div>
        </div>
      </section>
      <form onSubmit={submit} noValidate className="grid max-w-sm gap-3">
        <h3 className="text-sm font-semibold">{t("confirmTitle")}</h3>
        <div className="grid gap-1.5">
          <Label htmlFor="enrol-code">{t("code")}</Label>
          <OneTimeCodeInput id="enrol-code" invalid={Boolean(error)} />
        </div>
        <FormError error={error && { message: error }} />
        <div className="flex gap-2">
          <Button type="submit" disabled={pending}>
            {pending ? t("checking") : t("turnOn")}
          </Button>
          <Button type="button" variant="outline" onClick={onCancel}>
            {tc("cancel")}
          </Button>
        </div>
      </form>
    </div>
  );
}

/** Drawn here from the URI, so the secret never leaves the browser for an image service. */
function QrCode({ value, label }: { value: string; label: string }) {
  const { size, data } = QRCode.create(value, { errorCorrectionLevel: "M" }).modules;
  let path = "";
  data.forEach((dark, i) => {
    if (dark) path += `M${i % size},${Math.floor(i / size)}h1v1h-1z`;
  });
  // The quiet zone of 4 modules that scanners expect.
  return (
    <svg role="img" aria-label={label} viewBox={`-4 -4 ${size + 8} ${size + 8}`} className="size-44 shrink-0 rounded-md border bg-white" shapeRendering="crispEdges">
      <path d={path} fill="#000" />
    </svg>
  );
}

/** Backup codes are shown once, when made: better-auth keeps them only encrypted. */
function BackupCodes({ email, codes, enrolled, onSaved }: { email: string; codes: string[]; enrolled: boolean; onSaved: () => void }) {
  const t = useTranslations("account.twoFactor");
  const [copied, setCopied] = useState(false);
  const text = codes.join("\n");

  function download() {
    const url = URL.createObjectURL(new Blob([`${t("downloadHeading", { email })}\n\n${text}\n`], { type: "text/plain;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "pos-fleet-backup-codes.txt";
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  return (
    <div className="space-y-3">
      {enrolled && (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {t("enabled")}
        </p>
      )}
      <h3 className="text-sm font-semibold">{t("backupTitle")}</h3>
      <p className="text-sm text-muted-foreground">{t("backupHint")}</p>
      <ol className="grid max-w-sm grid-cols-2 gap-x-6 gap-y-1 rounded-md border bg-muted px-4 py-3 font-mono text-sm" data-testid="backup-codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ol>
      <div className="flex flex-wrap gap-2">
        <Button type="button" variant="outline" onClick={() => void navigator.clipboard.writeText(text).then(() => setCopied(true))}>
          {copied ? <CheckIcon aria-hidden /> : <CopyIcon aria-hidden />}
          {copied ? t("copied") : t("copy")}
        </Button>
        <Button type="button" variant="outline" onClick={download}>
          <DownloadIcon aria-hidden />
          {t("download")}
        </Button>
        <Button type="button" onClick={onSaved}>
          {t("saved")}
        </Button>
      </div>
    </div>
  );
}

/** A button that asks for the password before a change to two-factor sign-in; `onConfirm` answers better-auth's refusal, if any. */
function PasswordDialog({
  label,
  title,
  description,
  destructive,
  onConfirm,
}: {
  label: string;
  title: string;
  description: string;
  destructive?: boolean;
  onConfirm: (password: string) => Promise<AuthError | null>;
}) {
  const t = useTranslations("account.twoFactor");
  const errorText = useAuthErrorText();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant={destructive ? "destructive" : "outline"}>
          {label}
        </Button>
      }
      title={title}
      description={description}
      submitLabel={label}
      error={error && { message: error }}
      pending={pending}
      onOpenChange={() => setError(null)}
      onSubmit={async (form) => {
        setPending(true);
        setError(null);
        const refused = await onConfirm(String(form.get("password") ?? ""));
        setPending(false);
        if (refused) {
          setError(errorText(refused));
          // Keeps the dialog open with the message.
          throw refused;
        }
      }}
    >
      <Field name="password" label={t("currentPassword")} error={null} type="password" autoComplete="current-password" required autoFocus />
    </FormDialog>
  );
}
