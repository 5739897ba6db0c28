"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { terminalCapabilities, type TerminalCapability } from "@/db/schema/values";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError } from "@/app/_components/form-error";
import { EmptyState } from "@/app/_components/list-controls";
import { Button } from "@/app/_components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/app/_components/ui/table";
import { useTRPC } from "@/app/_lib/trpc/client";

type Model = { id: string; manufacturer: string; model: string; capabilities: TerminalCapability[] };

export function ModelsView() {
  const t = useTranslations("models");
  const tc = useTranslations("terminal.capability");
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.models.list.queryOptions());
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <ModelDialog />
      </div>
      <div className="rounded-xl border bg-card px-1">
        {data.length === 0 ? (
          <EmptyState title={t("empty")} />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("manufacturer")}</TableHead>
                <TableHead>{t("model")}</TableHead>
                <TableHead>{t("capabilities")}</TableHead>
                <TableHead>{t("terminals")}</TableHead>
                <TableHead />
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.map((m) => (
                <TableRow key={m.id}>
                  <TableCell>{m.manufacturer}</TableCell>
                  <TableCell className="font-medium">{m.model}</TableCell>
                  <TableCell className="whitespace-normal">{m.capabilities.map((c) => tc(c)).join(", ") || "—"}</TableCell>
                  <TableCell>
                    <Link className="text-primary hover:underline" href={`/terminals?modelId=${m.id}`}>
                      {m.terminalCount}
                    </Link>
                  </TableCell>
                  <TableCell>
                    <ModelDialog model={m} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
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
      <fieldset className="grid gap-1.5">
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
