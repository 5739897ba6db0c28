import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { Db } from "@/db/client";
import type { UserRole } from "@/db/schema";
import { getAuth } from "./auth";
import { getDb } from "./db";
import { AppError, sqlState, type AppErrorCode } from "./errors";
import { scopeForUser } from "./scope";
import type { AuditActor } from "./services/audit";
import { clientIp } from "./client-ip";

export interface Viewer {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  merchantId: string | null;
}

export interface Context {
  db: Db;
  viewer: Viewer | null;
  ip: string | null;
}


/** The viewer behind a request's session cookie; disabled accounts count as signed out. */
export async function viewerFromHeaders(headers: Headers): Promise<Viewer | null> {
  const auth = await getAuth();
  const session = await auth.api.getSession({ headers });
  const user = session?.user;
  if (!user || user.disabled) return null;
  return { id: user.id, name: user.name, email: user.email, role: user.role as UserRole, merchantId: user.merchantId ?? null };
}

export async function createContext(opts: { headers: Headers }): Promise<Context> {
  return { db: await getDb(), viewer: await viewerFromHeaders(opts.headers), ip: clientIp(opts.headers) };
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        // Field-level messages for forms: { fieldName: ["message"] }.
        fieldErrors: cause instanceof ZodError ? z.flattenError(cause).fieldErrors : cause instanceof AppError && cause.details?.field ? { [String(cause.details.field)]: [cause.message] } : null,
      },
    };
  },
});

const trpcCodes: Record<AppErrorCode, TRPCError["code"]> = {
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  invalid: "BAD_REQUEST",
  forbidden: "FORBIDDEN",
  rate_limited: "TOO_MANY_REQUESTS",
};

/** The one place where domain errors become tRPC errors. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) throw new TRPCError({ code: trpcCodes[cause.code], message: cause.message, cause });
    // A value the database refused (bad text encoding, out-of-range number) is the caller's mistake.
    const state = sqlState(cause);
    if (state?.startsWith("22")) throw new TRPCError({ code: "BAD_REQUEST", message: "A value is out of range or malformed.", cause });
    // A clash with an existing row, or a reference to a row that is not there, is the caller's mistake too.
    if (state === "23505") throw new TRPCError({ code: "CONFLICT", message: "This would duplicate an existing record.", cause });
    if (state === "23503") throw new TRPCError({ code: "BAD_REQUEST", message: "A referenced record does not exist.", cause });
  }
  return result;
});

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

export const publicProcedure = t.procedure.use(mapDomainErrors);

export const protectedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.viewer) throw new TRPCError({ code: "UNAUTHORIZED", message: "Please sign in." });
  const scope = await scopeForUser(ctx.db, ctx.viewer);
  const actor: AuditActor = { id: ctx.viewer.id, label: ctx.viewer.email, ip: ctx.ip };
  return next({ ctx: { ...ctx, viewer: ctx.viewer, scope, actor } });
});

export function roleProcedure(...roles: UserRole[]) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.viewer.role)) throw new TRPCError({ code: "FORBIDDEN", message: "Your role may not do this." });
    return next();
  });
}

export const adminProcedure = roleProcedure("admin");
