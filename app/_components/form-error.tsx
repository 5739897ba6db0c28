"use client";

import { useTranslations } from "next-intl";

/** The field messages a failed mutation carries (see the tRPC error formatter). */
export function fieldErrors(error: unknown): Record<string, string[] | undefined> {
  const data = (error as { data?: { fieldErrors?: Record<string, string[] | undefined> | null } } | null)?.data;
  return data?.fieldErrors ?? {};
}

export function FieldError({ error, field }: { error: unknown; field: string }) {
  const messages = fieldErrors(error)[field];
  if (!messages?.length) return null;
  return <p className="text-xs text-destructive">{messages.join("; ")}</p>;
}

export function FormError({ error }: { error: unknown }) {
  const t = useTranslations("common");
  if (!error) return null;
  const { message, data } = error as { message?: string; data?: { invalidInput?: boolean } };
  // The fields show a validation failure's messages, so say so here (in the user's language).
  const text = data?.invalidInput ? t("fixFields") : (message ?? String(error));
  return (
    <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-destructive">
      {text}
    </p>
  );
}
