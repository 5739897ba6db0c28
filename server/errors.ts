import type { ZodError } from "zod";

/** The domain's own refusals; routers and route handlers map them to tRPC codes or HTTP statuses. */
export type AppErrorCode = "not_found" | "conflict" | "invalid" | "forbidden" | "rate_limited";

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} was not found.`);

/** PostgreSQL's SQLSTATE of a driver error, looking through Drizzle's wrapper. */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * One sentence for input that failed validation, naming the fields; the per-field messages travel
 * separately (fieldErrors), and zod's own issue list never reaches the user.
 */
export function invalidInputMessage(error: ZodError): string {
  const fields = [...new Set(error.issues.flatMap((issue) => (issue.path.length ? [String(issue.path[0])] : [])))];
  return fields.length ? `Some fields are not valid: ${fields.join(", ")}.` : "The request is not valid.";
}
