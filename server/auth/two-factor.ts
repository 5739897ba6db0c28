import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import { and, eq, ne } from "drizzle-orm";
import type { Db } from "@/db/client";
import { sessions, type UserRole } from "@/db/schema";
import { clientIp } from "../client-ip";
import { authRequireMfa } from "../env";
import type { AuditAction } from "../schemas/audit";
import { recordAudit } from "../services/audit";

/** Whether users of this role must sign in with a second factor (AUTH_REQUIRE_MFA, PCI DSS 8.4.2). */
export function secondFactorRequired(role: UserRole): boolean {
  return authRequireMfa() === "admin" && role === "admin";
}

/**
 * A user who must sign in with a second factor and has not enrolled one yet may only enrol. A user
 * with two-factor on has passed it in every session they have: better-auth creates their sessions
 * only after the code step, and enrolling ends the sessions that were signed in before.
 */
export function secondFactorMissing(user: { role: UserRole; twoFactorEnabled: boolean }): boolean {
  return secondFactorRequired(user.role) && !user.twoFactorEnabled;
}

/** Changes to how a user signs in, for the audit log (PCI DSS 10.2.1.5); turning two-factor on is detected below. */
const auditedActions: Record<string, AuditAction> = {
  "/two-factor/disable": "user.two_factor_disabled",
  "/two-factor/generate-backup-codes": "user.backup_codes_generated",
  "/change-password": "user.password_changed",
};

type SignedInUser = { id: string; email: string; twoFactorEnabled?: boolean | null; merchantId?: string | null };

/**
 * What the fleet adds to better-auth's two-factor plugin. When a request turns two-factor on (the
 * first confirmed code), the user's other sessions end: they were signed in with the password alone.
 * Credential changes made by the signed-in user are audited.
 */
export function twoFactorAftermath(db: Db) {
  return {
    id: "pos-fleet-two-factor-aftermath",
    hooks: {
      after: [
        {
          matcher: (ctx) => Boolean(ctx.path?.startsWith("/two-factor/") || ctx.path === "/change-password"),
          handler: createAuthMiddleware(async (ctx) => {
            if (isAPIError(ctx.context.returned)) return;
            // The session the request came with; a sign-in's code step has none and changes nothing.
            const before = ctx.context.session?.user as SignedInUser | undefined;
            if (!before) return;
            const after = ctx.context.newSession;
            let action = auditedActions[ctx.path];
            if (!before.twoFactorEnabled && after && (after.user as SignedInUser).twoFactorEnabled) {
              await db.delete(sessions).where(and(eq(sessions.userId, after.user.id), ne(sessions.id, after.session.id)));
              action = "user.two_factor_enabled";
            }
            if (!action) return;
            const actor = { id: before.id, label: before.email, ip: ctx.request ? clientIp(ctx.request.headers) : null };
            await recordAudit(db, actor, { action, entityType: "user", entityId: before.id, merchantId: before.merchantId ?? null });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
