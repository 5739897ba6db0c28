import { z, ZodError } from "zod";
import type { Db } from "@/db/client";
import type { UserRole } from "@/db/schema";
import { secondFactorMissing } from "./auth/two-factor";
import { getDb } from "./db";
import { AppError, fieldErrorsOf, invalidInputMessage, isTransientDatabaseError, renderError, sqlState, TRANSIENT_RETRY_AFTER_SECONDS, type AppErrorCode } from "./errors";
import { localeOfHeaders, type Locale } from "./locales";
import { scopeForUser, type Scope } from "./scope";
import type { AuditActor } from "./services/audit";
import { createContext, viewerFromHeaders, type Viewer } from "./trpc";

/** What Next passes a route handler besides the request: the dynamic segments, already decoded. */
type RouteSegments = { params?: Promise<Record<string, string | string[]>> };
type RouteHandler = (req: Request, segments: RouteSegments) => Promise<Response>;

export interface ConsoleRouteContext<P> {
  db: Db;
  viewer: Viewer;
  scope: Scope;
  actor: AuditActor;
  params: P;
  /** Whether the request's session still stands; a long-lived response asks again now and then. */
  stillSignedIn: () => Promise<boolean>;
}

export interface PublicRouteContext<P> {
  db: Db;
  params: P;
}

const problem = (status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  Response.json({ error: { code, message, ...extra } }, { status, headers });

// A role that may not use a route, and a path param that is malformed or names something outside
// the caller's scope, all answer alike, so a response says nothing of what exists.
const notFound = () => problem(404, "not_found", "Not found.");

const statusOf: Record<AppErrorCode, number> = { not_found: 404, conflict: 409, invalid: 400, forbidden: 403, rate_limited: 429 };

/**
 * The one place where a route handler's failures become HTTP statuses, as mapDomainErrors is for
 * procedures; messages are in the caller's language, as the console shows them (a firmware upload).
 */
function failureResponse(error: unknown, locale: Locale): Response {
  if (error instanceof ZodError) return problem(400, "invalid_request", invalidInputMessage(error, locale), { fieldErrors: fieldErrorsOf(error, locale) });
  if (error instanceof AppError) {
    const code = typeof error.details?.code === "string" ? error.details.code : error.code;
    return problem(code === "payload_too_large" ? 413 : statusOf[error.code], code, renderError(error.reason, error.params, locale));
  }
  // A value the database refused is the caller's mistake, as for procedures.
  if (sqlState(error)?.startsWith("22")) return problem(400, "invalid_request", renderError("valueOutOfRange", {}, locale));
  if (isTransientDatabaseError(error)) {
    return problem(503, "unavailable", "The database is briefly unavailable; retry in a few seconds.", {}, { "Retry-After": String(TRANSIENT_RETRY_AFTER_SECONDS) });
  }
  throw error;
}

function routeHandler<C, P>(open: (req: Request) => Promise<C | Response>, params: z.ZodType<P> | undefined, handle: (ctx: C & { params: P }, req: Request) => Promise<Response>): RouteHandler {
  return async (req, segments) => {
    try {
      const opened = await open(req);
      if (opened instanceof Response) return opened;
      const parsed = (params ?? z.object({})).safeParse((await segments.params) ?? {});
      if (!parsed.success) return notFound();
      return await handle({ ...opened, params: parsed.data as P }, req);
    } catch (error) {
      return failureResponse(error, localeOfHeaders(req.headers));
    }
  };
}

/**
 * A route handler for signed-in console users of the given roles, as roleProcedure is for
 * procedures: 401 when signed out, 403 until a required second factor is enrolled (as
 * protectedProcedure), 404 for another role; the handler gets the caller's scope and the
 * path params parsed by `params` (404 when they do not parse). A ZodError or AppError it throws
 * becomes its HTTP status. The viewer comes from createContext, so a rule added there holds here too.
 */
export function consoleRoute<P = Record<string, never>>(
  rule: { roles: readonly UserRole[]; params?: z.ZodType<P> },
  handle: (ctx: ConsoleRouteContext<P>, req: Request) => Promise<Response>,
): RouteHandler {
  return routeHandler(
    async (req) => {
      const { db, viewer, ip } = await createContext({ headers: req.headers });
      if (!viewer) return problem(401, "unauthorized", "Please sign in.");
      if (secondFactorMissing(viewer)) return problem(403, "second_factor_required", "Set up two-factor sign-in on your account page first: your role must use it.");
      if (!rule.roles.includes(viewer.role)) return notFound();
      return {
        db,
        viewer,
        scope: await scopeForUser(db, viewer),
        actor: { id: viewer.id, label: viewer.email, ip },
        // Not counted as activity: an open stream must not keep an idle session alive.
        stillSignedIn: async () => (await viewerFromHeaders(req.headers, { refresh: false }))?.id === viewer.id,
      };
    },
    rule.params,
    handle,
  );
}

/** A route handler open to anyone, as publicProcedure; it authenticates by other means if at all (a secret token in the URL). */
export function publicRoute<P = Record<string, never>>(rule: { params?: z.ZodType<P> }, handle: (ctx: PublicRouteContext<P>, req: Request) => Promise<Response>): RouteHandler {
  return routeHandler(async () => ({ db: await getDb() }), rule.params, handle);
}
