"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { Button } from "@/app/_components/ui/button";
import { useTRPC } from "@/app/_lib/trpc/client";
import { PlacementFields } from "./placement-fields";

export function CreateTerminalDialog() {
  const t = useTranslations("terminals");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { data: options } = useSuspenseQuery(trpc.terminals.filterOptions.queryOptions());
  const create = useMutation(
    trpc.terminals.create.mutationOptions({
      onSuccess: async (terminal) => {
        await queryClient.invalidateQueries({ queryKey: trpc.terminals.pathFilter().queryKey });
        router.push(`/terminals/${encodeURIComponent(terminal.serialNumber)}`);
      },
    }),
  );

  return (
    <FormDialog
      trigger={
        <Button size="sm">
          <PlusIcon aria-hidden />
          {t("newTerminal")}
        </Button>
      }
      title={t("newTerminal")}
      description={t("newTerminalHint")}
      submitLabel={t("createTerminal")}
      error={create.error}
      pending={create.isPending}
      onOpenChange={() => create.reset()}
      onSubmit={(form) =>
        create.mutateAsync({
          serialNumber: formText(form, "serialNumber"),
          modelId: formText(form, "modelId"),
          merchantId: formText(form, "merchantId") || null,
          storeId: formText(form, "storeId") || null,
          firmwareVersion: formText(form, "firmwareVersion"),
        })
      }
    >
      <Field name="serialNumber" label={t("serialNumber")} error={create.error} required autoComplete="off" className="font-mono uppercase" />
      <Field name="modelId" label={t("model")} error={create.error} defaultValue="">
        <option value="" disabled>
          {tc("choose")}
        </option>
        {options.models.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name}
          </option>
        ))}
      </Field>
      <PlacementFields merchants={options.merchants} stores={options.stores} error={create.error} />
      <Field name="firmwareVersion" label={t("firmware")} error={create.error} autoComplete="off" className="font-mono" />
    </FormDialog>
  );
}
