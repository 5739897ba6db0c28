"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useId, useState } from "react";
import { alertRuleKinds, alertSeverities, type AlertRuleKind, type AlertSeverity, type UserRole } from "@/db/schema/values";
import { adminOnlyAlertKinds, alertThresholds, defaultAlertSeverity } from "@/server/schemas/alerts";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { Input, Label, Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import type { AlertRule } from "./alert-rules";

type Choice = { id: string; name: string };
type StoreChoice = Choice & { merchantId: string; merchantName: string };

/** The targets and kind a dialog starts from: the rule's, or a new offline rule for the whole scope. */
function startingPoint(rule: AlertRule | undefined) {
  const kind: AlertRuleKind = rule?.kind ?? "terminal_offline";
  return { kind, severity: rule?.severity ?? defaultAlertSeverity[kind], merchantIds: rule?.merchantIds ?? [], storeIds: rule?.storeIds ?? [] };
}

/**
 * Writes a rule (a new one, or `rule`). An admin's rule covers the chosen merchants (none: the whole
 * fleet), a merchant owner's their own merchant; either may narrow it to stores.
 */
export function RuleDialog({ role, merchants, stores, rule, triggerLabel }: { role: UserRole; merchants: Choice[]; stores: StoreChoice[]; rule?: AlertRule; triggerLabel?: string }) {
  const t = useTranslations("alertsPage.ruleForm");
  const tk = useTranslations("alertTexts");
  const tch = useTranslations("alertsPage.channels");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const onSuccess = () => queryClient.invalidateQueries(trpc.alerts.pathFilter());
  const create = useMutation(trpc.alerts.createRule.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.alerts.updateRule.mutationOptions({ onSuccess }));
  const mutation = rule ? update : create;
  const [chosen, setChosen] = useState(() => startingPoint(rule));
  const { kind, severity, merchantIds, storeIds } = chosen;
  const range = alertThresholds[kind];
  const kinds = role === "admin" ? alertRuleKinds : alertRuleKinds.filter((k) => !adminOnlyAlertKinds.includes(k));
  // An admin picks stores among the chosen merchants'; a merchant owner's choices are their own stores already.
  const storeOptions = role === "admin" ? stores.filter((s) => merchantIds.includes(s.merchantId)) : stores;

  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  const toggleMerchant = (merchantId: string) =>
    setChosen((c) => {
      const next = toggle(c.merchantIds, merchantId);
      // A store of a merchant no longer chosen would be refused; it goes with its merchant.
      return { ...c, merchantIds: next, storeIds: c.storeIds.filter((sid) => next.includes(stores.find((s) => s.id === sid)?.merchantId ?? "")) };
    });

  return (
    <FormDialog
      trigger={
        rule ? (
          <Button size="sm" variant="outline">
            {triggerLabel}
          </Button>
        ) : (
          <Button size="sm">
            <PlusIcon aria-hidden />
            {t("newRule")}
          </Button>
        )
      }
      title={rule ? t("editTitle", { name: rule.name }) : t("newRule")}
      description={t("hint")}
      submitLabel={rule ? t("save") : t("create")}
      className="sm:max-w-xl"
      error={mutation.error}
      pending={mutation.isPending}
      onOpenChange={(open) => {
        mutation.reset();
        if (open) setChosen(startingPoint(rule));
      }}
      onSubmit={(form) => {
        const threshold = formText(form, "threshold");
        const values = {
          name: formText(form, "name"),
          kind,
          severity,
          threshold: range ? (threshold === "" ? null : Number(threshold)) : null,
          onlyWhenOpen: kind === "terminal_offline" && form.get("onlyWhenOpen") === "on",
          merchantIds: role === "admin" ? merchantIds : [],
          storeIds,
          email: form.get("email") === "on",
          sms: form.get("sms") === "on",
          webhook: form.get("webhook") === "on",
          enabled: form.get("enabled") === "on",
        };
        return rule ? update.mutateAsync({ id: rule.id, ...values }) : create.mutateAsync(values);
      }}
    >
      <Field name="name" label={t("name")} error={mutation.error} defaultValue={rule?.name} maxLength={80} required autoComplete="off" />

      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-kind`}>{t("kind")}</Label>
        <Select
          id={`${id}-kind`}
          name="kind"
          value={kind}
          onChange={(e) => {
            const next = e.target.value as AlertRuleKind;
            setChosen((c) => ({ ...c, kind: next, severity: defaultAlertSeverity[next] }));
          }}
          {...invalidProps(mutation.error, "kind")}
        >
          {kinds.map((k) => (
            <option key={k} value={k}>
              {tk(`kinds.${k}`)}
            </option>
          ))}
        </Select>
        <p className="text-xs text-muted-foreground">{t(`kindHints.${kind}`)}</p>
        <FieldError error={mutation.error} field="kind" />
      </div>

      {range && (
        <div className="grid gap-1.5">
          <Label htmlFor={`${id}-threshold`}>{t(`thresholdLabels.${kind}`)}</Label>
          <Input
            // A new kind starts from its own default: 30 minutes make no sense as a battery level.
            key={kind}
            id={`${id}-threshold`}
            name="threshold"
            type="number"
            inputMode="numeric"
            min={range.min}
            max={range.max}
            step={1}
            required
            defaultValue={rule?.kind === kind && rule.threshold !== null ? rule.threshold : range.default}
            {...invalidProps(mutation.error, "threshold")}
          />
          <p className="text-xs text-muted-foreground">{t("thresholdRange", { min: range.min, max: range.max })}</p>
          <FieldError error={mutation.error} field="threshold" />
        </div>
      )}

      {kind === "terminal_offline" && (
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="onlyWhenOpen" className="mt-0.5 size-4 accent-primary" defaultChecked={rule?.onlyWhenOpen ?? false} />
          <span>
            {t("onlyWhenOpen")}
            <span className="block text-xs text-muted-foreground">{t("onlyWhenOpenHint")}</span>
          </span>
        </label>
      )}

      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-severity`}>{t("severity")}</Label>
        <Select
          id={`${id}-severity`}
          name="severity"
          value={severity}
          onChange={(e) => setChosen((c) => ({ ...c, severity: e.target.value as AlertSeverity }))}
          {...invalidProps(mutation.error, "severity")}
        >
          {alertSeverities.map((s) => (
            <option key={s} value={s}>
              {tk(`severities.${s}`)}
            </option>
          ))}
        </Select>
        {severity === "critical" && <p className="text-xs text-muted-foreground">{t("criticalHint")}</p>}
        <FieldError error={mutation.error} field="severity" />
      </div>

      {role === "admin" && (
        <fieldset className="grid gap-1.5" {...invalidProps(mutation.error, "merchantIds")}>
          <legend className="mb-1.5 text-sm font-medium">{t("merchants")}</legend>
          <p className="text-xs text-muted-foreground">{merchantIds.length ? t("merchantsChosen", { count: merchantIds.length }) : t("merchantsNone")}</p>
          <div className="grid max-h-40 gap-1 overflow-y-auto rounded-md border p-2">
            {merchants.map((m) => (
              <label key={m.id} className="flex items-center gap-2 text-sm">
                <input type="checkbox" className="size-4 accent-primary" checked={merchantIds.includes(m.id)} onChange={() => toggleMerchant(m.id)} />
                {m.name}
              </label>
            ))}
          </div>
          <FieldError error={mutation.error} field="merchantIds" />
        </fieldset>
      )}

      {storeOptions.length > 0 && (
        <fieldset className="grid gap-1.5" {...invalidProps(mutation.error, "storeIds")}>
          <legend className="mb-1.5 text-sm font-medium">{t("stores")}</legend>
          <p className="text-xs text-muted-foreground">{storeIds.length ? t("storesChosen", { count: storeIds.length }) : t("storesNone")}</p>
          <div className="grid max-h-40 gap-1 overflow-y-auto rounded-md border p-2">
            {storeOptions.map((s) => (
              <label key={s.id} className="flex items-center gap-2 text-sm">
                <input type="checkbox" className="size-4 accent-primary" checked={storeIds.includes(s.id)} onChange={() => setChosen((c) => ({ ...c, storeIds: toggle(c.storeIds, s.id) }))} />
                {role === "admin" && merchantIds.length > 1 ? `${s.name} (${s.merchantName})` : s.name}
              </label>
            ))}
          </div>
          <FieldError error={mutation.error} field="storeIds" />
        </fieldset>
      )}
      {role === "admin" && merchantIds.length === 0 && <p className="text-xs text-muted-foreground">{t("storesNeedMerchants")}</p>}

      <fieldset className="grid gap-1.5">
        <legend className="mb-1.5 text-sm font-medium">{t("channels")}</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" className="size-4 accent-primary" checked disabled />
          {tch("inbox")} <span className="text-xs text-muted-foreground">{t("inboxAlways")}</span>
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="email" className="size-4 accent-primary" defaultChecked={rule?.email ?? true} />
          {tch("email")}
        </label>
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="sms" className="mt-0.5 size-4 accent-primary" defaultChecked={rule?.sms ?? false} />
          <span>
            {tch("sms")}
            <span className="block text-xs text-muted-foreground">{t("smsHint")}</span>
          </span>
        </label>
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="webhook" className="mt-0.5 size-4 accent-primary" defaultChecked={rule?.webhook ?? false} />
          <span>
            {tch("webhook")}
            <span className="block text-xs text-muted-foreground">{t("webhookHint")}</span>
          </span>
        </label>
      </fieldset>

      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="enabled" className="size-4 accent-primary" defaultChecked={rule?.enabled ?? true} />
        {t("enabled")}
      </label>
    </FormDialog>
  );
}
