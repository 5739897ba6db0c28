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

/** How long a client should wait before retrying after a transient database failure (503). */
export const TRANSIENT_RETRY_AFTER_SECONDS = 5;

// 08: connection exceptions; 57P01-57P03: the server shutting down, crashed or starting; 53300: too many connections.
const transientSqlState = /^(08...|57P0[123]|53300)$/;
// The driver's own words when it has no SQLSTATE: the socket died, or no connection could be had in time.
const transientDriverMessage = /Connection terminated|not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end/i;
const transientSocketCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/**
 * Whether a failure is the database being briefly out of reach (restart, failover, a killed
 * connection) rather than a fault in the request: such a request is answered 503 with Retry-After,
 * and the pool opens new connections for the next one.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && (transientSqlState.test(code) || transientSocketCodes.has(code))) return true;
    if (typeof message === "string" && transientDriverMessage.test(message)) return true;
    // A failed connect to a host with several addresses (localhost: ::1 and 127.0.0.1).
    if (e instanceof AggregateError && e.errors.some(isTransientDatabaseError)) return true;
  }
  return false;
}

/**
 * One sentence for input that failed validation, naming the fields; the per-field messages travel
 * separately (fieldErrors), and zod's own issue list never reaches the user.
 */
export function invalidInputMessage(error: ZodError): string {
  const fields = [...new Set(error.issues.flatMap((issue) => (issue.path.length ? [String(issue.path[0])] : [])))];
  return fields.length ? `Some fields are not valid: ${fields.join(", ")}.` : "The request is not valid.";
}
