"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { faultSymptoms } from "@/db/schema/values";
import { FieldError } from "@/app/_components/form-error";
import { FormDialog, formText } from "@/app/_components/form-dialog";
import { Button } from "@/app/_components/ui/button";
import { Label, Textarea } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

/** A merchant reports what goes wrong with a terminal; it opens a repair work order. */
export function FaultReportDialog({ terminalId }: { terminalId: string }) {
  const t = useTranslations("terminal");
  const tw = useTranslations("workOrders.symptoms");
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const report = useMutation(
    trpc.maintenance.reportFault.mutationOptions({
      onSuccess: async (order) => {
        await queryClient.invalidateQueries(trpc.terminals.pathFilter());
        router.push(`/work-orders/${order.id}`);
      },
    }),
  );
  return (
    <FormDialog
      trigger={<Button variant="outline">{t("reportFault")}</Button>}
      title={t("reportFault")}
      description={t("reportFaultHint")}
      submitLabel={t("reportFault")}
      error={report.error}
      pending={report.isPending}
      onOpenChange={() => report.reset()}
      onSubmit={(form) => report.mutateAsync({ terminalId, symptoms: form.getAll("symptoms").map(String) as (typeof faultSymptoms)[number][], description: formText(form, "description") })}
    >
      <fieldset className="grid gap-1.5">
        <legend className="mb-1.5 text-sm font-medium">{t("symptoms")}</legend>
        {faultSymptoms.map((s) => (
          <label key={s} className="flex items-center gap-2 py-1 text-sm">
            <input type="checkbox" name="symptoms" value={s} className="size-5" />
            {tw(s)}
          </label>
        ))}
        <FieldError error={report.error} field="symptoms" />
      </fieldset>
      <div className="grid gap-1.5">
        <Label htmlFor="fault-description">{t("details")}</Label>
        <Textarea id="fault-description" name="description" rows={3} />
        <FieldError error={report.error} field="description" />
      </div>
    </FormDialog>
  );
}
