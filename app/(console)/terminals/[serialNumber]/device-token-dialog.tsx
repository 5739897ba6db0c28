"use client";

import { useMutation } from "@tanstack/react-query";
import { CheckIcon, CopyIcon, KeyRoundIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { FormError } from "@/app/_components/form-error";
import { Button } from "@/app/_components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/app/_components/ui/dialog";
import { useTRPC } from "@/app/_lib/trpc/client";

/** Issues a new device token after a confirmation and shows it once; closing the dialog forgets it. */
export function DeviceTokenDialog({ terminalId, serialNumber }: { terminalId: string; serialNumber: string }) {
  const t = useTranslations("terminal.deviceToken");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState(false);
  const mutation = useMutation(trpc.terminals.issueDeviceToken.mutationOptions());
  const token = mutation.data?.deviceToken;

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) {
      mutation.reset();
      setCopied(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button size="sm" variant="outline">
          <KeyRoundIcon aria-hidden />
          {t("action")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{token ? t("issued") : t("action")}</DialogTitle>
          <DialogDescription>{token ? t("once") : t("confirm", { serialNumber })}</DialogDescription>
        </DialogHeader>
        {token && (
          <div className="flex items-center gap-2">
            <code className="min-w-0 flex-1 rounded-md border bg-muted px-2 py-1.5 font-mono text-xs break-all" data-testid="device-token">
              {token}
            </code>
            <Button
              size="sm"
              variant="outline"
              onClick={async () => {
                await navigator.clipboard.writeText(token);
                setCopied(true);
              }}
            >
              {copied ? <CheckIcon aria-hidden /> : <CopyIcon aria-hidden />}
              {copied ? t("copied") : t("copy")}
            </Button>
          </div>
        )}
        <FormError error={mutation.error} />
        <DialogFooter>
          {token ? (
            <Button onClick={() => onOpenChange(false)}>{tc("close")}</Button>
          ) : (
            <>
              <Button variant="outline" onClick={() => onOpenChange(false)}>
                {tc("cancel")}
              </Button>
              <Button disabled={mutation.isPending} onClick={() => mutation.mutate({ id: terminalId })}>
                {t("issue")}
              </Button>
            </>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
