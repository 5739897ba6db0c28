"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { checklistItems, defaultChecklists, planScopes, recurrenceUnits, workOrderPriorities, workOrderTypes, type PlanScope, type UserRole } from "@/db/schema/values";
import type { AppRouter } from "@/server/root";
import { planListInput } from "@/server/schemas/maintenance";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { DataList, type Column } from "@/app/_components/data-list";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { fleetToday } from "@/app/_lib/fleet-day";
import { useTRPC } from "@/app/_lib/trpc/client";

/** A terminal's id from the serial number typed in a form; a failed lookup's message is kept for the form to show. */
function useSerialLookup() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<Error | null>(null);
  const lookup = async (serial: string) => {
    setError(null);
    try {
      return (await queryClient.fetchQuery(trpc.terminals.getBySerial.queryOptions({ serialNumber: serial.trim().toUpperCase() }))).id;
    } catch (failure) {
      setError(failure as Error);
      throw failure;
    }
  };
  return { lookup, error, reset: () => setError(null) };
}

function TechnicianOptions({ technicians }: { technicians: { id: string; name: string }[] | undefined }) {
  const t = useTranslations("maintenance");
  return (
    <>
      <option value="">{t("unassigned")}</option>
      {(technicians ?? []).map((u) => (
        <option key={u.id} value={u.id}>
          {u.name}
        </option>
      ))}
    </>
  );
}

type PlanRow = inferRouterOutputs<AppRouter>["maintenance"]["plans"]["items"][number];

export function PlansView({ role }: { role: UserRole }) {
  const t = useTranslations("maintenance");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [input, setInput] = useState(planListInput.parse({}));
  const { data, error, refetch } = useQuery(trpc.maintenance.plans.queryOptions(input));
  const toggle = useMutation(trpc.maintenance.updatePlan.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.maintenance.pathFilter()) }));
  const columns: Column<PlanRow>[] = [
    {
      id: "name",
      header: t("planName"),
      cell: (p) => (
        <>
          {p.name} {!p.active && <Badge variant="muted">{t("inactive")}</Badge>}
        </>
      ),
      card: "title",
    },
    {
      id: "scope",
      header: t("scope"),
      cell: (p) => (
        <>
          {t(`scopes.${p.scope}`)}: {p.target ?? "—"}
          {p.merchantName && <div className="text-xs text-muted-foreground">{p.merchantName}</div>}
        </>
      ),
    },
    { id: "repeat", header: t("repeat"), cell: (p) => <span className="font-mono text-xs">{p.rrule ?? t("everyN", { n: p.everyN, unit: t(`units.${p.unit}`) })}</span> },
    { id: "nextDue", header: t("nextDue"), cell: (p) => <span className="whitespace-nowrap">{p.nextDue}</span> },
    { id: "technician", header: t("technician"), cell: (p) => p.technicianName ?? t("unassigned") },
    ...(role === "admin"
      ? [
          {
            id: "actions",
            header: "",
            card: "actions" as const,
            cell: (p: PlanRow) => (
              <ConfirmDialog
                label={p.active ? t("pausePlan") : t("resumePlan")}
                description={p.active ? t("pausePlanConfirm") : t("resumePlanConfirm")}
                onConfirm={() => toggle.mutateAsync({ id: p.id, active: !p.active })}
                error={toggle.error}
                pending={toggle.isPending}
              />
            ),
          },
        ]
      : []),
  ];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted-foreground">{t("plansHint")}</p>
        {role === "admin" && <PlanDialog />}
      </div>
      <DataList
        data-testid="plans"
        columns={columns}
        rows={data?.items}
        rowKey={(p) => p.id}
        params={{ input, update: (patch) => setInput({ ...input, ...patch }) }}
        paging={data}
        empty={{ title: t("plansEmpty") }}
        error={error}
        onRetry={() => void refetch()}
      />
    </div>
  );
}

function PlanDialog() {
  const t = useTranslations("maintenance");
  const tl = useTranslations("checklist");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const serial = useSerialLookup();
  const [scope, setScope] = useState<PlanScope>("store");
  const { data: options } = useQuery(trpc.terminals.filterOptions.queryOptions());
  const { data: technicians } = useQuery(trpc.maintenance.technicians.queryOptions({ merchantId: null }));
  const create = useMutation(trpc.maintenance.createPlan.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.maintenance.pathFilter()) }));
  return (
    <FormDialog
      trigger={<Button>{t("newPlan")}</Button>}
      title={t("newPlan")}
      description={t("newPlanHint")}
      submitLabel={tc("save")}
      error={serial.error ?? create.error}
      pending={create.isPending}
      onOpenChange={() => {
        create.reset();
        serial.reset();
      }}
      onSubmit={async (form) => {
        const terminal = scope === "terminal" ? await serial.lookup(formText(form, "serialNumber")) : null;
        const rrule = formText(form, "rrule");
        return create.mutateAsync({
          name: formText(form, "name"),
          scope,
          terminalId: terminal,
          storeId: scope === "store" ? formText(form, "storeId") || null : null,
          modelId: scope === "model" ? formText(form, "modelId") || null : null,
          merchantId: scope === "model" ? formText(form, "merchantId") || null : null,
          everyN: Number(formText(form, "everyN")),
          unit: formText(form, "unit") as (typeof recurrenceUnits)[number],
          rrule: rrule || null,
          firstDue: formText(form, "firstDue"),
          leadDays: Number(formText(form, "leadDays")),
          technicianId: formText(form, "technicianId") || null,
          checklist: form.getAll("checklist").map(String),
        });
      }}
    >
      <Field name="name" label={t("planName")} error={create.error} required defaultValue={t("defaultPlanName")} />
      <div className="grid gap-1.5">
        <span className="text-sm font-medium">{t("scope")}</span>
        <div className="flex flex-wrap gap-3 text-sm" role="radiogroup" aria-label={t("scope")}>
          {planScopes.map((s) => (
            <label key={s} className="flex items-center gap-2">
              <input type="radio" name="scope" className="size-4" checked={scope === s} onChange={() => setScope(s)} />
              {t(`scopes.${s}`)}
            </label>
          ))}
        </div>
      </div>
      {scope === "terminal" && <Field name="serialNumber" label={t("serialNumber")} error={create.error} required className="font-mono" />}
      {scope === "store" && (
        <Field name="storeId" label={t("scopes.store")} error={create.error}>
          {(options?.stores ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </Field>
      )}
      {scope === "model" && (
        <div className="grid grid-cols-2 gap-3">
          <Field name="modelId" label={t("scopes.model")} error={create.error}>
            {(options?.models ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </Field>
          <Field name="merchantId" label={t("merchantOptional")} error={create.error}>
            <option value="">{t("wholeFleet")}</option>
            {(options?.merchants ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </Field>
        </div>
      )}
      <div className="grid grid-cols-2 gap-3">
        <Field name="everyN" label={t("every")} error={create.error} type="number" min={1} max={365} defaultValue="3" />
        <Field name="unit" label={t("unit")} error={create.error} defaultValue="month">
          {recurrenceUnits.map((u) => (
            <option key={u} value={u}>
              {t(`units.${u}`)}
            </option>
          ))}
        </Field>
      </div>
      <Field name="rrule" label={t("rrule")} error={create.error} placeholder="FREQ=MONTHLY;BYDAY=1MO" className="font-mono" />
      <div className="grid grid-cols-2 gap-3">
        <Field name="firstDue" label={t("firstDue")} error={create.error} type="date" defaultValue={fleetToday()} required />
        <Field name="leadDays" label={t("leadDays")} error={create.error} type="number" min={0} max={60} defaultValue="7" />
      </div>
      <Field name="technicianId" label={t("technician")} error={create.error}>
        <TechnicianOptions technicians={technicians} />
      </Field>
      <fieldset className="grid gap-1" {...invalidProps(create.error, "checklist")}>
        <legend className="mb-1.5 text-sm font-medium">{t("checklistTemplate")}</legend>
        {checklistItems().map((item) => (
          <label key={item.key} className="flex items-start gap-2 text-sm">
            <input type="checkbox" name="checklist" value={item.key} className="mt-0.5 size-4" defaultChecked={defaultChecklists.preventive.some((d) => d.key === item.key)} />
            {tl(item.key)}
          </label>
        ))}
        <FieldError error={create.error} field="checklist" />
      </fieldset>
    </FormDialog>
  );
}

/** An admin opens a work order by hand for a terminal (by its serial number). */
export function CreateWorkOrderDialog() {
  const t = useTranslations("maintenance");
  const tw = useTranslations("workOrders");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const router = useRouter();
  const serial = useSerialLookup();
  const { data: technicians } = useQuery(trpc.maintenance.technicians.queryOptions({ merchantId: null }));
  const create = useMutation(trpc.maintenance.create.mutationOptions({ onSuccess: (order) => router.push(`/work-orders/${order.id}`) }));
  return (
    <FormDialog
      trigger={<Button>{t("newWorkOrder")}</Button>}
      title={t("newWorkOrder")}
      submitLabel={tc("save")}
      error={serial.error ?? create.error}
      pending={create.isPending}
      onOpenChange={() => {
        create.reset();
        serial.reset();
      }}
      onSubmit={async (form) => {
        const terminal = await serial.lookup(formText(form, "serialNumber"));
        return create.mutateAsync({
          type: formText(form, "type") as (typeof workOrderTypes)[number],
          terminalId: terminal,
          title: formText(form, "title"),
          description: formText(form, "description"),
          priority: formText(form, "priority") as (typeof workOrderPriorities)[number],
          dueDate: formText(form, "dueDate"),
          technicianId: formText(form, "technicianId") || null,
        });
      }}
    >
      <div className="grid grid-cols-2 gap-3">
        <Field name="type" label={t("type")} error={create.error} defaultValue="installation">
          {workOrderTypes.map((s) => (
            <option key={s} value={s}>
              {tw(`types.${s}`)}
            </option>
          ))}
        </Field>
        <Field name="priority" label={t("priority")} error={create.error} defaultValue="normal">
          {workOrderPriorities.map((s) => (
            <option key={s} value={s}>
              {tw(`priorities.${s}`)}
            </option>
          ))}
        </Field>
      </div>
      <Field name="serialNumber" label={t("serialNumber")} error={create.error} required className="font-mono" />
      <Field name="title" label={t("workOrderTitle")} error={create.error} required />
      <Field name="description" label={t("description")} error={create.error} />
      <div className="grid grid-cols-2 gap-3">
        <Field name="dueDate" label={t("due")} error={create.error} type="date" defaultValue={fleetToday()} required />
        <Field name="technicianId" label={t("technician")} error={create.error}>
          <TechnicianOptions technicians={technicians} />
        </Field>
      </div>
    </FormDialog>
  );
}
