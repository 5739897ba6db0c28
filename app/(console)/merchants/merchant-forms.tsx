"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { DEFAULT_MAINTENANCE_WINDOW, merchantLanguages, weekdays, type BusinessHours, type MerchantLanguage } from "@/db/schema/values";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { TimeZoneOptions } from "@/app/_components/time-zone-options";
import { Button } from "@/app/_components/ui/button";
import { useTRPC } from "@/app/_lib/trpc/client";

type Merchant = {
  id: string;
  name: string;
  code: string;
  registeredPhone: string;
  contactName: string | null;
  contactEmail: string | null;
  language: MerchantLanguage;
  status: "active" | "suspended" | "closed";
};

function useInvalidateMerchants() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.merchants.pathFilter().queryKey });
}

export function MerchantDialog({ merchant }: { merchant?: Merchant }) {
  const t = useTranslations("merchants");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateMerchants();
  const create = useMutation(trpc.merchants.create.mutationOptions({ onSuccess: invalidate }));
  const update = useMutation(trpc.merchants.update.mutationOptions({ onSuccess: invalidate }));
  const mutation = merchant ? update : create;
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant={merchant ? "outline" : "default"}>
          {merchant ? tc("edit") : t("new")}
        </Button>
      }
      title={merchant ? t("edit") : t("new")}
      submitLabel={tc("save")}
      error={mutation.error}
      pending={mutation.isPending}
      onOpenChange={() => mutation.reset()}
      onSubmit={(form) => {
        const values = {
          name: formText(form, "name"),
          // Empty on a new merchant: the server gives the next free code.
          code: formText(form, "code"),
          registeredPhone: formText(form, "registeredPhone"),
          contactName: formText(form, "contactName"),
          contactEmail: formText(form, "contactEmail"),
          // Empty on a new merchant: the server picks by the phone (Chinese for +86).
          language: (formText(form, "language") || undefined) as MerchantLanguage | undefined,
        };
        return merchant ? update.mutateAsync({ id: merchant.id, ...values, status: formText(form, "status") as Merchant["status"] }) : create.mutateAsync(values);
      }}
    >
      <Field name="name" label={t("name")} error={mutation.error} defaultValue={merchant?.name} required />
      <Field
        name="code"
        label={t("code")}
        error={mutation.error}
        defaultValue={merchant?.code}
        placeholder={merchant ? undefined : t("codeHint")}
        required={!!merchant}
        maxLength={20}
        autoCapitalize="characters"
      />
      <Field name="registeredPhone" label={t("registeredPhone")} error={mutation.error} defaultValue={merchant?.registeredPhone} type="tel" placeholder="+86 138 0013 8000" required />
      <Field name="contactName" label={t("contactName")} error={mutation.error} defaultValue={merchant?.contactName ?? ""} />
      <Field name="contactEmail" label={t("contactEmail")} error={mutation.error} defaultValue={merchant?.contactEmail ?? ""} type="email" />
      <Field name="language" label={t("language")} error={mutation.error} defaultValue={merchant?.language ?? ""}>
        {!merchant && <option value="">{t("languageByPhone")}</option>}
        {merchantLanguages.map((language) => (
          <option key={language} value={language}>
            {t(`languages.${language}`)}
          </option>
        ))}
      </Field>
      {merchant && (
        <Field name="status" label={t("status")} error={mutation.error} defaultValue={merchant.status}>
          {(["active", "suspended", "closed"] as const).map((s) => (
            <option key={s} value={s}>
              {t(`statuses.${s}`)}
            </option>
          ))}
        </Field>
      )}
    </FormDialog>
  );
}

type Store = {
  id: string;
  name: string;
  code: string;
  address: string;
  region: string;
  phone: string | null;
  timeZone: string;
  businessHours: BusinessHours;
  maintenanceStarts: string;
  maintenanceEnds: string;
};

export function StoreDialog({ merchantId, store }: { merchantId: string; store?: Store }) {
  const t = useTranslations("stores");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateMerchants();
  const create = useMutation(trpc.merchants.createStore.mutationOptions({ onSuccess: invalidate }));
  const update = useMutation(trpc.merchants.updateStore.mutationOptions({ onSuccess: invalidate }));
  const mutation = store ? update : create;
  const hours = Object.values(store?.businessHours ?? {})[0];
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant="outline">
          {store ? tc("edit") : t("new")}
        </Button>
      }
      title={store ? t("edit") : t("new")}
      description={t("hoursHint")}
      submitLabel={tc("save")}
      error={mutation.error}
      pending={mutation.isPending}
      onOpenChange={() => mutation.reset()}
      onSubmit={(form) => {
        const opens = formText(form, "opens");
        const closes = formText(form, "closes");
        const businessHours: BusinessHours = opens && closes ? Object.fromEntries(weekdays.map((d) => [d, { opens, closes }])) : {};
        const values = {
          name: formText(form, "name"),
          // Empty on a new store: the server gives the merchant's next free code.
          code: formText(form, "code"),
          address: formText(form, "address"),
          region: formText(form, "region"),
          // Empty clears it: technicians then call the merchant's registered phone.
          phone: formText(form, "phone"),
          timeZone: formText(form, "timeZone"),
          businessHours,
          maintenanceStarts: formText(form, "maintenanceStarts"),
          maintenanceEnds: formText(form, "maintenanceEnds"),
        };
        return store ? update.mutateAsync({ id: store.id, ...values }) : create.mutateAsync({ merchantId, ...values });
      }}
    >
      <Field name="name" label={t("name")} error={mutation.error} defaultValue={store?.name} required />
      <Field
        name="code"
        label={t("code")}
        error={mutation.error}
        defaultValue={store?.code}
        placeholder={store ? undefined : t("codeHint")}
        required={!!store}
        maxLength={20}
        autoCapitalize="characters"
      />
      <Field name="address" label={t("address")} error={mutation.error} defaultValue={store?.address} />
      <Field name="region" label={t("region")} error={mutation.error} defaultValue={store?.region} />
      <Field name="phone" label={t("phoneOptional")} error={mutation.error} defaultValue={store?.phone ?? ""} type="tel" placeholder="+86 21 6288 0101" />
      <Field name="timeZone" label={t("timeZone")} error={mutation.error} defaultValue={store?.timeZone ?? "Asia/Shanghai"} list="time-zone-options" autoComplete="off" />
      <TimeZoneOptions id="time-zone-options" />
      <div className="grid grid-cols-2 gap-3">
        <Field name="opens" label={t("opens")} error={mutation.error} type="time" defaultValue={hours?.opens ?? "09:00"} />
        <Field name="closes" label={t("closes")} error={mutation.error} alsoFor={["businessHours"]} type="time" defaultValue={hours?.closes ?? "21:00"} />
      </div>
      <div className="grid grid-cols-2 gap-3">
        <Field name="maintenanceStarts" label={t("maintenanceStarts")} error={mutation.error} type="time" defaultValue={store?.maintenanceStarts ?? DEFAULT_MAINTENANCE_WINDOW.starts} />
        <Field name="maintenanceEnds" label={t("maintenanceEnds")} error={mutation.error} type="time" defaultValue={store?.maintenanceEnds ?? DEFAULT_MAINTENANCE_WINDOW.ends} />
      </div>
    </FormDialog>
  );
}
