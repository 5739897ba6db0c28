"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { FormError } from "./form-error";
import { Button } from "./ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "./ui/dialog";

/** A button that asks before it acts; the dialog stays open with the server's message if the action fails. */
export function ConfirmDialog({
  label,
  title,
  description,
  onConfirm,
  error,
  pending,
  destructive,
  variant = "outline",
}: {
  label: string;
  title?: string;
  description: string;
  onConfirm: () => Promise<unknown>;
  error: unknown;
  pending: boolean;
  destructive?: boolean;
  variant?: "outline" | "default" | "destructive";
}) {
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        {/* type="button": a confirmation inside a form must not submit it. */}
        <Button type="button" size="sm" variant={variant}>
          {label}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{title ?? label}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        <FormError error={error} />
        <DialogFooter>
          <Button type="button" variant="outline" onClick={() => setOpen(false)}>
            {tc("cancel")}
          </Button>
          <Button
            type="button"
            variant={destructive ? "destructive" : "default"}
            disabled={pending}
            onClick={() =>
              onConfirm().then(
                () => setOpen(false),
                () => undefined,
              )
            }
          >
            {label}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
