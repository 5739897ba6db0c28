import { TRPCError } from "@trpc/server";
import { AppError } from "@/server/errors";

/** The error a call ends with: a tRPC code for router calls, the domain code for service calls. */
export async function refusal(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError || error instanceof AppError) return { code: error.code, message: error.message };
    return { code: "unexpected", message: String(error) };
  }
  return { code: "none", message: "the call succeeded" };
}
