"use client";

import { useTranslations } from "next-intl";
import { useLayoutEffect, useRef, useState } from "react";

/** The field messages a failed mutation carries, in the reader's language (see the tRPC error formatter). */
export function fieldErrors(error: unknown): Record<string, string[] | undefined> {
  const data = (error as { data?: { fieldErrors?: Record<string, string[] | undefined> | null } } | null)?.data;
  return data?.fieldErrors ?? {};
}

/** The messages for one input; `field` may list several keys (a nested field's dotted path, or the object it belongs to). */
export function fieldMessages(error: unknown, field: string | readonly string[]): string[] {
  const all = fieldErrors(error);
  return [...new Set((typeof field === "string" ? [field] : field).flatMap((key) => all[key] ?? []))];
}

/** The id of a field's message, for the input's aria-describedby. */
export const fieldErrorId = (field: string) => `${field.replace(/\W/g, "-")}-error`;

/**
 * Props that mark an input whose value was refused: aria-invalid (the inputs draw a red border for
 * it) and a link to the message, so a screen reader reads why. `shownUnder` names the FieldError
 * that shows the message when it is not the input's own (a phase's share, under the phases).
 */
export function invalidProps(error: unknown, field: string | readonly string[], shownUnder?: string) {
  const first = typeof field === "string" ? field : field[0]!;
  return fieldMessages(error, field).length ? { "aria-invalid": true as const, "aria-describedby": fieldErrorId(shownUnder ?? first) } : {};
}

export function FieldError({ error, field }: { error: unknown; field: string | readonly string[] }) {
  const messages = fieldMessages(error, field);
  if (!messages.length) return null;
  const first = typeof field === "string" ? field : field[0]!;
  return (
    <p id={fieldErrorId(first)} data-field-error className="text-xs text-destructive">
      {messages.join("; ")}
    </p>
  );
}

/**
 * The refusal as a whole. For input that failed validation the fields carry the messages, so the
 * banner only points at them; when the form shows none of them (a field it has no input for), the
 * banner says them itself rather than point at nothing.
 */
export function FormError({ error }: { error: unknown }) {
  const t = useTranslations("common");
  const banner = useRef<HTMLParagraphElement>(null);
  const [fieldsMarked, setFieldsMarked] = useState(true);
  const { message, data } = (error ?? {}) as { message?: string; data?: { invalidInput?: boolean } };
  useLayoutEffect(() => {
    const form = banner.current?.closest("form, [role=dialog]") ?? banner.current?.parentElement;
    setFieldsMarked(Boolean(form?.querySelector("[data-field-error]")));
  }, [error]);
  if (!error) return null;
  const unmarked = [...new Set(Object.values(fieldErrors(error)).flatMap((messages) => messages ?? []))];
  const text = data?.invalidInput ? (fieldsMarked || !unmarked.length ? t("fixFields") : unmarked.join(" ")) : (message ?? String(error));
  return (
    <p ref={banner} role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-destructive">
      {text}
    </p>
  );
}

/**
 * The refusal as it still applies after the user changed some fields: their messages go (they
 * described values no longer there), and so does the banner once no marked field is left.
 */
export function withoutFields(error: unknown, changed: ReadonlySet<string>): unknown {
  if (!error || changed.size === 0) return error;
  const { message, data } = error as { message?: string; data?: { fieldErrors?: Record<string, string[] | undefined> | null; invalidInput?: boolean } };
  const isChanged = (key: string) => [...changed].some((field) => key === field || key.startsWith(`${field}.`));
  const remaining = Object.fromEntries(Object.entries(fieldErrors(error)).filter(([key]) => !isChanged(key)));
  if (Object.keys(remaining).length === Object.keys(fieldErrors(error)).length) return error;
  if (data?.invalidInput && Object.keys(remaining).length === 0) return null;
  // A refusal about one field (a duplicate serial number) has nothing left to say once that field changed.
  if (!data?.invalidInput && Object.keys(remaining).length === 0) return null;
  return { message, data: { ...data, fieldErrors: remaining } };
}
