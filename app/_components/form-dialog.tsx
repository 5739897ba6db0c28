"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { FieldError, FormError } from "./form-error";
import { Button } from "./ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "./ui/dialog";
import { Input, Label, Select } from "./ui/input";

/**
 * A dialog with a form: `onSubmit` gets the form's values and returns the mutation's promise; the
 * dialog closes when it resolves and shows the server's field and form errors when it rejects.
 */
export function FormDialog({
  trigger,
  title,
  description,
  submitLabel,
  onSubmit,
  error,
  pending,
  onOpenChange,
  children,
}: {
  trigger: React.ReactNode;
  title: string;
  description?: string;
  submitLabel: string;
  onSubmit: (form: FormData) => Promise<unknown>;
  error: unknown;
  pending: boolean;
  onOpenChange?: (open: boolean) => void;
  children: React.ReactNode;
}) {
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const change = (next: boolean) => {
    setOpen(next);
    onOpenChange?.(next);
  };
  return (
    <Dialog open={open} onOpenChange={change}>
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          {description && <DialogDescription>{description}</DialogDescription>}
        </DialogHeader>
        <form
          className="grid gap-3"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit(new FormData(e.currentTarget)).then(
              () => change(false),
              () => undefined,
            );
          }}
        >
          {children}
          <FormError error={error} />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => change(false)}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={pending}>
              {pending ? tc("saving") : submitLabel}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** A labelled input (or select, with children) that shows the server's message for its field. */
export function Field({
  name,
  label,
  error,
  children,
  ...props
}: { name: string; label: string; error: unknown; children?: React.ReactNode } & Omit<React.ComponentProps<"input">, "name" | "children">) {
  const id = `field-${name}`;
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children ? (
        <Select id={id} name={name} defaultValue={props.defaultValue as string | undefined}>
          {children}
        </Select>
      ) : (
        <Input id={id} name={name} {...props} />
      )}
      <FieldError error={error} field={name} />
    </div>
  );
}

export const formText = (form: FormData, name: string) => String(form.get(name) ?? "").trim();
