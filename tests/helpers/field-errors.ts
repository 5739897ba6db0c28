import { TRPCError } from "@trpc/server";
import { z, ZodError } from "zod";

/** The field messages a refused call shows in the form, as the tRPC error formatter builds them. */
export async function fieldErrorsOf(call: Promise<unknown>): Promise<Record<string, string[] | undefined>> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCError) || error.code !== "BAD_REQUEST" || !(error.cause instanceof ZodError)) throw new Error(`expected a validation error, got ${String(error)}`);
  return z.flattenError(error.cause).fieldErrors as Record<string, string[] | undefined>;
}
