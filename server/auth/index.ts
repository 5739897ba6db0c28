import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { APIError, createAuthMiddleware, getSessionFromCtx, isAPIError } from "better-auth/api";
import { twoFactor } from "better-auth/plugins";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accounts, rateLimits, sessions, twoFactors, users, verifications } from "@/db/schema";
import { clientIp } from "../client-ip";
import { renderError } from "../errors";
import { defaultLocale, localeOfHeaders } from "../locales";
import { getDb } from "../db";
import { authSecret, authTrustedOrigins, oldestLiveSignIn, sessionIdleMinutes, setting, signInLimitPerMinute } from "../env";
import { clearFailedSignIns, LOCKOUT_MINUTES, recordFailedSignIn, signInLockedUntil } from "./lockout";
import { MIN_PASSWORD_LENGTH, passwordProblem } from "./password-policy";
import { checkSelfServiceUserUpdate } from "./user-fields";
import { twoFactorAftermath } from "./two-factor";

/** The origin a request was addressed to, as the browser saw it (behind a trusted proxy, its scheme). */
function requestOrigin(request: Request): string {
  const url = new URL(request.url);
  const proto = setting("TRUST_PROXY") ? request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() : undefined;
  const host = request.headers.get("host") ?? url.host;
  return `${proto === "https" || proto === "http" ? proto : url.protocol.slice(0, -1)}://${host}`;
}

const emailOf = (body: unknown) => (body && typeof body === "object" && typeof (body as { email?: unknown }).email === "string" ? (body as { email: string }).email : null);

/** Paths that set a new password, with the body field that carries it. */
const newPasswordFields: Record<string, string> = { "/change-password": "newPassword", "/reset-password": "newPassword", "/set-password": "newPassword" };

export function createAuth(db: Db) {
  return betterAuth({
    secret: authSecret(),
    baseURL: setting("BETTER_AUTH_URL"),
    database: drizzleAdapter(db, {
      provider: "pg",
      schema: { user: users, session: sessions, account: accounts, verification: verifications, rateLimit: rateLimits, twoFactor: twoFactors },
    }),
    trustedOrigins: (request) => {
      const { origins, requestOrigin: trustRequest } = authTrustedOrigins();
      return request && trustRequest ? [...origins, requestOrigin(request)] : origins;
    },
    emailAndPassword: {
      enabled: true,
      // Accounts are created by admins in the console, never by self-service sign-up.
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
    },
    user: {
      additionalFields: {
        role: { type: "string", input: false },
        merchantId: { type: "string", required: false, input: false },
        disabled: { type: "boolean", input: false },
      },
    },
    // Idle expiry (PCI DSS 8.2.8): each request at least a minute after the last refresh pushes the
    // end out again; the absolute lifetime is checked after each session read (hooks.after).
    session: { expiresIn: sessionIdleMinutes() * 60, updateAge: Math.min(60, sessionIdleMinutes() * 30) },
    // The origin check stays on under tests too (better-auth's default turns it off there).
    advanced: { ipAddress: { ipAddressHeaders: ["x-real-ip"] }, disableOriginCheck: false },
    plugins: [twoFactor({ issuer: "POS Fleet" }), twoFactorAftermath(db)],
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        checkSelfServiceUserUpdate(ctx.path, ctx.body);
        if (ctx.path === "/sign-in/email") {
          const email = emailOf(ctx.body);
          // A locked address is refused before the password is looked at, so guessing goes no further.
          if (email && (await signInLockedUntil(db, email))) {
            throw new APIError("UNAUTHORIZED", { message: `Too many failed sign-ins. Try again in ${LOCKOUT_MINUTES} minutes or ask an administrator to unlock the account.`, code: "SIGN_IN_LOCKED" });
          }
        }
        const field = newPasswordFields[ctx.path];
        const newPassword = field ? (ctx.body as Record<string, unknown> | undefined)?.[field] : undefined;
        if (typeof newPassword === "string") {
          const session = await getSessionFromCtx(ctx);
          const problem = passwordProblem(newPassword, session?.user.email);
          // The account page shows this message as it is, so it is worded in the reader's language.
          if (problem) throw new APIError("BAD_REQUEST", { message: renderError(problem.reason, problem.params, ctx.headers ? localeOfHeaders(ctx.headers) : defaultLocale), code: "PASSWORD_POLICY" });
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        if (ctx.path === "/get-session") {
          // The absolute lifetime: however active, a session ends this long after sign-in.
          const found = ctx.context.returned as { session?: { id: string; createdAt: Date } } | null;
          if (found?.session && new Date(found.session.createdAt) < oldestLiveSignIn()) {
            await db.delete(sessions).where(eq(sessions.id, found.session.id));
            return ctx.json(null);
          }
          return;
        }
        if (ctx.path !== "/sign-in/email") return;
        const email = emailOf(ctx.body);
        if (!email) return;
        const returned = ctx.context.returned;
        if (!isAPIError(returned)) await clearFailedSignIns(db, email);
        else if (returned.body?.code === "INVALID_EMAIL_OR_PASSWORD") await recordFailedSignIn(db, email, ctx.request ? clientIp(ctx.request.headers) : null);
      }),
    },
    rateLimit: {
      enabled: true,
      storage: "database",
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 60, max: signInLimitPerMinute() } },
    },
    databaseHooks: {
      session: {
        create: {
          // Runs after the password matched: a disabled account gets a clear refusal, not a session.
          before: async (session) => {
            const [user] = await db.select({ disabled: users.disabled }).from(users).where(eq(users.id, session.userId));
            if (!user || user.disabled) throw new APIError("FORBIDDEN", { message: "This account is disabled.", code: "ACCOUNT_DISABLED" });
          },
        },
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

const holder = globalThis as unknown as { posFleetAuth?: Promise<Auth> };

/** Built on first use, like the database, so that `next build` never opens the database. */
export function getAuth(): Promise<Auth> {
  holder.posFleetAuth ??= getDb()
    .then(createAuth)
    .catch((error: unknown) => {
      holder.posFleetAuth = undefined;
      throw error;
    });
  return holder.posFleetAuth;
}
