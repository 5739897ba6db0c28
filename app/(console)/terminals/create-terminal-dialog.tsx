"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { FieldError, FormError } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { Input, Label, Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";

export function CreateTerminalDialog() {
  const t = useTranslations("terminals");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [merchantId, setMerchantId] = useState("");
  const { data: options } = useSuspenseQuery(trpc.terminals.filterOptions.queryOptions());
  const create = useMutation(
    trpc.terminals.create.mutationOptions({
      onSuccess: async (terminal) => {
        await queryClient.invalidateQueries({ queryKey: trpc.terminals.pathFilter().queryKey });
        setOpen(false);
        router.push(`/terminals/${encodeURIComponent(terminal.serialNumber)}`);
      },
    }),
  );

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "");
    create.mutate({
      serialNumber: text("serialNumber"),
      modelId: text("modelId"),
      merchantId: text("merchantId") || null,
      storeId: text("storeId") || null,
      firmwareVersion: text("firmwareVersion"),
    });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) create.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm">
          <PlusIcon aria-hidden />
          {t("newTerminal")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("newTerminal")}</DialogTitle>
          <DialogDescription>{t("newTerminalHint")}</DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} className="grid gap-3" noValidate>
          <div className="grid gap-1.5">
            <Label htmlFor="serialNumber">{t("serialNumber")}</Label>
            <Input id="serialNumber" name="serialNumber" required autoComplete="off" className="font-mono uppercase" />
            <FieldError error={create.error} field="serialNumber" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="modelId">{t("model")}</Label>
            <Select id="modelId" name="modelId" required defaultValue="">
              <option value="" disabled>
                {tc("choose")}
              </option>
              {options.models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </Select>
            <FieldError error={create.error} field="modelId" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="merchantId">{t("merchant")}</Label>
            <Select id="merchantId" name="merchantId" value={merchantId} onChange={(e) => setMerchantId(e.target.value)}>
              <option value="">{t("unassigned")}</option>
              {options.merchants.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </Select>
            <FieldError error={create.error} field="merchantId" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="storeId">{t("store")}</Label>
            <Select id="storeId" name="storeId" disabled={!merchantId} key={merchantId}>
              <option value="">{t("noStore")}</option>
              {options.stores
                .filter((s) => s.merchantId === merchantId)
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
            </Select>
            <FieldError error={create.error} field="storeId" />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="firmwareVersion">{t("firmware")}</Label>
            <Input id="firmwareVersion" name="firmwareVersion" autoComplete="off" className="font-mono" />
            <FieldError error={create.error} field="firmwareVersion" />
          </div>
          <FormError error={create.error} />
          <DialogFooter>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? tc("saving") : t("createTerminal")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
