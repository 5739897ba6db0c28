import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { fieldErrorsOf as formattedFieldErrors } from "@/server/errors";
import type { Locale } from "@/server/locales";

/** The field messages a refused call shows in the form, as the tRPC error formatter builds them (in English unless told). */
export async function fieldErrorsOf(call: Promise<unknown>, locale: Locale = "en"): Promise<Record<string, string[] | undefined>> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCError) || error.code !== "BAD_REQUEST" || !(error.cause instanceof ZodError)) throw new Error(`expected a validation error, got ${String(error)}`);
  return formattedFieldErrors(error.cause, locale);
}
