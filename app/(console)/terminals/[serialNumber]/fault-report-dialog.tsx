"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { faultSymptoms } from "@/db/schema/values";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { FormDialog, formText } from "@/app/_components/form-dialog";
import { Button } from "@/app/_components/ui/button";
import { Label, Textarea } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

/** The repair number in the server's refusal when a repair opened since the page loaded. */
function openRepairRefusal(error: unknown): number | undefined {
  const data = (error as { data?: { reason?: string | null; params?: { number?: number } | null } } | null)?.data;
  return data?.reason === "faultRepairOpen" ? data.params?.number : undefined;
}

/**
 * A merchant reports what goes wrong with a terminal: it opens a repair work order, or, when the
 * terminal has an open repair already, adds the report to that one (one repair per fault).
 */
export function FaultReportDialog({ terminalId, openRepair }: { terminalId: string; openRepair: { id: string; number: number } | null }) {
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
  // Known from the page, or learnt from the refusal: the next submit adds to that repair.
  const repairNumber = openRepair?.number ?? openRepairRefusal(report.error);
  const addToOpen = repairNumber !== undefined;
  return (
    <FormDialog
      trigger={<Button variant="outline">{t("reportFault")}</Button>}
      title={t("reportFault")}
      description={t("reportFaultHint")}
      submitLabel={addToOpen ? t("addToRepair", { number: repairNumber }) : t("reportFault")}
      error={report.error}
      pending={report.isPending}
      onOpenChange={() => report.reset()}
      onSubmit={(form) =>
        report.mutateAsync({
          terminalId,
          symptoms: form.getAll("symptoms").map(String) as (typeof faultSymptoms)[number][],
          description: formText(form, "description"),
          addToOpenRepair: addToOpen,
        })
      }
    >
      {openRepair && (
        <p className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100" data-testid="open-repair">
          {t.rich("openRepairNotice", {
            number: openRepair.number,
            link: (chunks) => (
              <Link className="font-medium underline" href={`/work-orders/${openRepair.id}`}>
                {chunks}
              </Link>
            ),
          })}
        </p>
      )}
      <fieldset className="grid gap-1.5" {...invalidProps(report.error, "symptoms")}>
        <legend className="mb-1.5 text-sm font-medium">{t("symptoms")}</legend>
        {faultSymptoms.map((s) => (
          <label key={s} className="flex min-h-11 items-center gap-2 text-sm">
            <input type="checkbox" name="symptoms" value={s} className="size-5" />
            {tw(s)}
          </label>
        ))}
        <FieldError error={report.error} field="symptoms" />
      </fieldset>
      <div className="grid gap-1.5">
        <Label htmlFor="fault-description">{t("details")}</Label>
        <Textarea id="fault-description" name="description" rows={3} {...invalidProps(report.error, "description")} />
        <FieldError error={report.error} field="description" />
      </div>
    </FormDialog>
  );
}
