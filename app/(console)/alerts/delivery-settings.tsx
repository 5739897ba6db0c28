"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { emailDeliveryModes, merchantLanguages, smsDeliveryModes, type EmailDeliveryMode, type MerchantLanguage, type SmsDeliveryMode } from "@/db/schema/values";
import { Field, formText } from "@/app/_components/form-dialog";
import { FormError } from "@/app/_components/form-error";
import { TimeZoneOptions } from "@/app/_components/time-zone-options";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { useTRPC } from "@/app/_lib/trpc/client";

// Each language in its own words, so a reader finds theirs whatever the console's language.
const languageNames: Record<MerchantLanguage, string> = { en: "English", "zh-CN": "中文" };

/** How alerts reach the viewer outside the console: e-mail at once or in a digest, SMS, quiet hours and the language. */
export function DeliverySettings() {
  const t = useTranslations("alertsPage.delivery");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: settings } = useSuspenseQuery(trpc.alerts.settings.queryOptions());
  const save = useMutation(trpc.alerts.saveSettings.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.alerts.settings.queryFilter()) }));
  const error = save.error;

  return (
    <form
      // Saved values come back normalised (the phone in E.164, the zone's canonical name): the inputs start over from them.
      key={JSON.stringify(settings)}
      className="max-w-2xl space-y-4"
      noValidate
      data-testid="alert-delivery"
      onChange={() => {
        if (save.isSuccess) save.reset();
      }}
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        save.mutate({
          emailMode: formText(form, "emailMode") as EmailDeliveryMode,
          smsMode: formText(form, "smsMode") as SmsDeliveryMode,
          phone: formText(form, "phone") || null,
          quietFrom: formText(form, "quietFrom") || null,
          quietUntil: formText(form, "quietUntil") || null,
          timeZone: formText(form, "timeZone"),
          locale: formText(form, "locale") as MerchantLanguage,
        });
      }}
    >
      <Card>
        <CardHeader>
          <CardTitle>{t("emailTitle")}</CardTitle>
          <CardDescription>{t("emailHint")}</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-3 sm:grid-cols-2">
          <Field name="emailMode" label={t("emailMode")} error={error} defaultValue={settings.emailMode}>
            {emailDeliveryModes.map((mode) => (
              <option key={mode} value={mode}>
                {t(`emailModes.${mode}`)}
              </option>
            ))}
          </Field>
          <Field name="locale" label={t("language")} error={error} defaultValue={settings.locale}>
            {merchantLanguages.map((language) => (
              <option key={language} value={language} lang={language}>
                {languageNames[language]}
              </option>
            ))}
          </Field>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>{t("smsTitle")}</CardTitle>
          <CardDescription>{t("smsHint")}</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-3 sm:grid-cols-2">
          <Field name="smsMode" label={t("smsMode")} error={error} defaultValue={settings.smsMode}>
            {smsDeliveryModes.map((mode) => (
              <option key={mode} value={mode}>
                {t(`smsModes.${mode}`)}
              </option>
            ))}
          </Field>
          <Field name="phone" label={t("phone")} error={error} defaultValue={settings.phone ?? ""} type="tel" autoComplete="tel" placeholder="+86 138 0013 8000" />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>{t("quietTitle")}</CardTitle>
          <CardDescription>{t("quietHint")}</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-3 sm:grid-cols-3">
          <Field name="quietFrom" label={t("quietFrom")} error={error} type="time" defaultValue={settings.quietFrom ?? ""} />
          <Field name="quietUntil" label={t("quietUntil")} error={error} type="time" defaultValue={settings.quietUntil ?? ""} />
          <Field name="timeZone" label={t("timeZone")} error={error} defaultValue={settings.timeZone} list="alert-time-zones" autoComplete="off" />
          <TimeZoneOptions id="alert-time-zones" />
          <p className="text-xs text-muted-foreground sm:col-span-3">{t("quietRules")}</p>
        </CardContent>
      </Card>

      <FormError error={error} />
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? tc("saving") : tc("save")}
        </Button>
        {save.isSuccess && (
          <p role="status" className="text-sm text-emerald-700">
            {t("saved")}
          </p>
        )}
      </div>
    </form>
  );
}
