import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Db } from "@/db/client";
import type { UserRole } from "@/db/schema";
import { getAuth } from "./auth";
import { secondFactorMissing } from "./auth/two-factor";
import { getDb } from "./db";
import { AppError, fieldErrorsOf, invalidInputMessage, isTransientDatabaseError, issueReason, renderError, sqlState, type AppErrorCode, type ErrorParams, type ErrorReason } from "./errors";
import { defaultLocale, localeOfHeaders, type Locale } from "./locales";
import { logger } from "./logger";
import { metrics } from "./metrics";
import { noteRequestUser } from "./request-log";
import { scopeForUser } from "./scope";
import type { AuditActor } from "./services/audit";
import { clientIp } from "./client-ip";

export interface Viewer {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  merchantId: string | null;
  twoFactorEnabled: boolean;
  /** The session the request came with; null for callers made without one (tests, scripts). */
  sessionId: string | null;
}

export interface Context {
  db: Db;
  viewer: Viewer | null;
  ip: string | null;
  /** The caller's language, for error messages; English when absent (tests, scripts). */
  locale?: Locale;
}

/**
 * The viewer behind a request's session cookie; disabled accounts count as signed out.
 * `refresh: false` reads without counting as activity: a long-lived stream checking that its
 * viewer is still there must not keep an idle session alive.
 */
export async function viewerFromHeaders(headers: Headers, { refresh = true }: { refresh?: boolean } = {}): Promise<Viewer | null> {
  const auth = await getAuth();
  const session = await auth.api.getSession({ headers, query: { disableRefresh: !refresh } });
  const user = session?.user;
  if (!user || user.disabled) return null;
  noteRequestUser(user.id);
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role as UserRole,
    merchantId: user.merchantId ?? null,
    twoFactorEnabled: user.twoFactorEnabled === true,
    sessionId: session.session.id,
  };
}

export async function createContext(opts: { headers: Headers }): Promise<Context> {
  return { db: await getDb(), viewer: await viewerFromHeaders(opts.headers), ip: clientIp(opts.headers), locale: localeOfHeaders(opts.headers) };
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error, path, ctx }) {
    // A refusal made before the context exists (an oversize body, the database out of reach) brings the caller's language itself.
    const locale = ctx?.locale ?? (error instanceof ReasonedTRPCError ? error.locale : undefined) ?? defaultLocale;
    const cause = error.cause;
    // Every refusal travels as a reason with parameters and reads in the caller's language.
    let refusal: { reason: ErrorReason; params: ErrorParams } | null = null;
    let message = shape.message;
    let fieldErrors: Record<string, string[]> | null = null;
    if (error.code === "INTERNAL_SERVER_ERROR") {
      // The user gets a sentence; what went wrong inside goes to the server's log only.
      logger.error({ err: cause ?? error, procedure: path }, "tRPC procedure failed");
      refusal = { reason: "internalError", params: {} };
    } else if (cause instanceof ZodError) {
      message = invalidInputMessage(cause, locale);
      fieldErrors = fieldErrorsOf(cause, locale);
      const first = cause.issues[0];
      refusal = first ? issueReason(first) : null;
    } else if (cause instanceof AppError) {
      refusal = { reason: cause.reason, params: cause.params };
      if (cause.field) fieldErrors = { [cause.field]: [renderError(cause.reason, cause.params, locale)] };
    } else if (error instanceof ReasonedTRPCError) {
      refusal = { reason: error.reason, params: error.params };
    }
    if (refusal && !(cause instanceof ZodError)) message = renderError(refusal.reason, refusal.params, locale);
    return {
      ...shape,
      message,
      data: {
        ...shape.data,
        reason: refusal?.reason ?? null,
        params: refusal?.params ?? null,
        // Field-level messages for forms: { fieldName: ["message"] }, also under a nested field's dotted path.
        fieldErrors,
        // The input failed validation: a form marks the fields rather than repeating the message.
        invalidInput: cause instanceof ZodError,
      },
    };
  },
});

/** A refusal made here rather than by a service: its English message for logs, its reason for the caller's language. */
class ReasonedTRPCError extends TRPCError {
  constructor(
    code: TRPCError["code"],
    readonly reason: ErrorReason,
    cause?: unknown,
    readonly params: ErrorParams = {},
    readonly locale?: Locale,
  ) {
    super({ code, message: renderError(reason, params), cause });
  }
}

const trpcCodes: Record<AppErrorCode, TRPCError["code"]> = {
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  invalid: "BAD_REQUEST",
  forbidden: "FORBIDDEN",
  rate_limited: "TOO_MANY_REQUESTS",
};

/** 503: the database is briefly out of reach (restart, failover); the call may simply be retried. */
export const databaseUnavailable = (cause: unknown, locale?: Locale) => new ReasonedTRPCError("SERVICE_UNAVAILABLE", "databaseUnavailable", cause, {}, locale);

/** 413: a request body over the limit, refused before the context is made, so it is told the caller's language. */
export const requestTooLarge = (maxBytes: number, locale: Locale) => new ReasonedTRPCError("PAYLOAD_TOO_LARGE", "requestTooLarge", undefined, { maxMb: maxBytes / 1024 / 1024 }, locale);

/** The one place where domain errors become tRPC errors. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) throw new TRPCError({ code: trpcCodes[cause.code], message: cause.message, cause });
    // A value the database refused (bad text encoding, out-of-range number) is the caller's mistake.
    const state = sqlState(cause);
    if (state?.startsWith("22")) throw new ReasonedTRPCError("BAD_REQUEST", "valueOutOfRange", cause);
    // A clash with an existing row, or a reference to a row that is not there, is the caller's mistake too.
    if (state === "23505") throw new ReasonedTRPCError("CONFLICT", "duplicateRecord", cause);
    if (state === "23503") throw new ReasonedTRPCError("BAD_REQUEST", "referencedRecordMissing", cause);
    if (isTransientDatabaseError(cause)) throw databaseUnavailable(cause);
  }
  return result;
});

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

/** Calls and their durations per procedure: the HTTP metrics see a batch of calls as one request. */
const measureCalls = t.middleware(async ({ path, next }) => {
  const timer = metrics.trpcDuration.startTimer({ procedure: path });
  const result = await next();
  timer();
  metrics.trpcCalls.inc({ procedure: path, outcome: result.ok ? "ok" : result.error.code });
  return result;
});

export const publicProcedure = t.procedure.use(measureCalls).use(mapDomainErrors);

/** Signed in, whether or not a required second factor is enrolled yet: only for the account page, where it is enrolled. */
export const signedInProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.viewer) throw new ReasonedTRPCError("UNAUTHORIZED", "signInRequired");
  const scope = await scopeForUser(ctx.db, ctx.viewer);
  const actor: AuditActor = { id: ctx.viewer.id, label: ctx.viewer.email, ip: ctx.ip };
  return next({ ctx: { ...ctx, viewer: ctx.viewer, scope, actor } });
});

/**
 * Everything else. Refusing here rather than only in roleProcedure("admin") also covers the
 * procedures open to every role: an admin's scope in them is every merchant.
 */
export const protectedProcedure = signedInProcedure.use(({ ctx, next }) => {
  if (secondFactorMissing(ctx.viewer)) {
    throw new ReasonedTRPCError("FORBIDDEN", "twoFactorRequired");
  }
  return next();
});

export function roleProcedure(...roles: UserRole[]) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.viewer.role)) throw new ReasonedTRPCError("FORBIDDEN", "roleForbidden");
    return next();
  });
}

export const adminProcedure = roleProcedure("admin");
