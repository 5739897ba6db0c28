"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { FieldError, FormError, invalidProps } from "./form-error";
import { Button } from "./ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "./ui/dialog";
import { Input, Label, Select } from "./ui/input";

/**
 * A dialog with a form: `onSubmit` gets the form's values and returns the mutation's promise; the
 * dialog closes when it resolves and shows the server's field and form errors when it rejects.
 * It opens from its trigger, or from outside when the caller passes `open` (and `onOpenChange`).
 */
export function FormDialog({
  trigger,
  title,
  description,
  submitLabel,
  onSubmit,
  error,
  pending,
  open: openFromOutside,
  onOpenChange,
  className,
  submitDisabled = false,
  children,
}: {
  trigger?: React.ReactNode;
  title: string;
  description?: string;
  submitLabel: string;
  onSubmit: (form: FormData) => Promise<unknown>;
  error: unknown;
  pending: boolean;
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  className?: string;
  /** Besides while saving: the form is not ready to send (nothing chosen yet). */
  submitDisabled?: boolean;
  children: React.ReactNode;
}) {
  const tc = useTranslations("common");
  const [openHere, setOpenHere] = useState(false);
  const open = openFromOutside ?? openHere;
  const change = (next: boolean) => {
    setOpenHere(next);
    onOpenChange?.(next);
  };
  return (
    <Dialog open={open} onOpenChange={change}>
      {trigger && <DialogTrigger asChild>{trigger}</DialogTrigger>}
      <DialogContent closeLabel={tc("close")} className={className}>
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
            <Button type="submit" disabled={pending || submitDisabled}>
              {pending ? tc("saving") : submitLabel}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/**
 * A labelled input (or select, with children) that shows the server's message for its field and is
 * marked invalid while it has one. `alsoFor` names other keys whose messages belong to this input
 * (the store form's one closing time stands for every day's `businessHours`).
 */
export function Field({
  name,
  label,
  error,
  alsoFor = [],
  children,
  ...props
}: { name: string; label: string; error: unknown; alsoFor?: string[]; children?: React.ReactNode } & Omit<React.ComponentProps<"input">, "name" | "children">) {
  const id = `field-${name}`;
  const keys = [name, ...alsoFor];
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children ? (
        <Select id={id} name={name} defaultValue={props.defaultValue as string | undefined} {...invalidProps(error, keys)}>
          {children}
        </Select>
      ) : (
        <Input id={id} name={name} {...props} {...invalidProps(error, keys)} />
      )}
      <FieldError error={error} field={keys} />
    </div>
  );
}

export const formText = (form: FormData, name: string) => String(form.get(name) ?? "").trim();
