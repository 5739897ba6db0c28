"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { terminalCapabilities, type TerminalCapability } from "@/db/schema/values";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { DataList, type Column } from "@/app/_components/data-list";
import { Button } from "@/app/_components/ui/button";
import { useTRPC } from "@/app/_lib/trpc/client";

type Model = { id: string; manufacturer: string; model: string; capabilities: TerminalCapability[] };

export function ModelsView() {
  const t = useTranslations("models");
  const tc = useTranslations("terminal.capability");
  const tcommon = useTranslations("common");
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.models.list.queryOptions());
  const columns: Column<(typeof data)[number]>[] = [
    { id: "model", header: t("model"), cell: (m) => `${m.manufacturer} ${m.model}`, card: "title" },
    { id: "capabilities", header: t("capabilities"), cell: (m) => m.capabilities.map((c) => tc(c)).join(", ") || "—", className: "whitespace-normal" },
    {
      id: "terminals",
      header: t("terminals"),
      cell: (m) => (
        <Link className="relative z-10 text-primary hover:underline" href={`/terminals?modelId=${m.id}`}>
          {m.terminalCount}
        </Link>
      ),
    },
    { id: "edit", header: <span className="sr-only">{tcommon("edit")}</span>, cell: (m) => <ModelDialog model={m} />, card: "actions" },
  ];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <ModelDialog />
      </div>
      <DataList columns={columns} rows={data} rowKey={(m) => m.id} empty={{ title: t("empty") }} />
    </div>
  );
}

function ModelDialog({ model }: { model?: Model }) {
  const t = useTranslations("models");
  const tcap = useTranslations("terminal.capability");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.models.pathFilter().queryKey });
  const create = useMutation(trpc.models.create.mutationOptions({ onSuccess: invalidate }));
  const update = useMutation(trpc.models.update.mutationOptions({ onSuccess: invalidate }));
  const mutation = model ? update : create;
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant={model ? "outline" : "default"}>
          {model ? tc("edit") : t("new")}
        </Button>
      }
      title={model ? t("edit") : t("new")}
      submitLabel={tc("save")}
      error={mutation.error}
      pending={mutation.isPending}
      onOpenChange={() => mutation.reset()}
      onSubmit={(form) => {
        const values = { manufacturer: formText(form, "manufacturer"), model: formText(form, "model"), capabilities: form.getAll("capabilities").map(String) as TerminalCapability[] };
        return model ? update.mutateAsync({ id: model.id, ...values }) : create.mutateAsync(values);
      }}
    >
      <Field name="manufacturer" label={t("manufacturer")} error={mutation.error} defaultValue={model?.manufacturer} required />
      <Field name="model" label={t("model")} error={mutation.error} defaultValue={model?.model} required />
      <fieldset className="grid gap-1.5" {...invalidProps(mutation.error, "capabilities")}>
        <legend className="mb-1 text-sm font-medium">{t("capabilities")}</legend>
        <div className="grid grid-cols-2 gap-1.5">
          {terminalCapabilities.map((c) => (
            <label key={c} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="capabilities" value={c} defaultChecked={model?.capabilities.includes(c)} />
              {tcap(c)}
            </label>
          ))}
        </div>
        <FieldError error={mutation.error} field="capabilities" />
      </fieldset>
    </FormDialog>
  );
}
