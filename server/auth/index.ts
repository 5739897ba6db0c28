import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { APIError } from "better-auth/api";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accounts, rateLimits, sessions, users, verifications } from "@/db/schema";
import { getDb } from "../db";
import { authSecret, signInLimitPerMinute } from "../env";

export function createAuth(db: Db) {
  return betterAuth({
    secret: authSecret(),
    baseURL: process.env.BETTER_AUTH_URL,
    database: drizzleAdapter(db, {
      provider: "pg",
      schema: { user: users, session: sessions, account: accounts, verification: verifications, rateLimit: rateLimits },
    }),
    emailAndPassword: {
      enabled: true,
      // Accounts are created by admins in the console, never by self-service sign-up.
      disableSignUp: true,
      minPasswordLength: 10,
    },
    user: {
      additionalFields: {
        role: { type: "string", input: false },
        merchantId: { type: "string", required: false, input: false },
        disabled: { type: "boolean", input: false },
      },
    },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
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
