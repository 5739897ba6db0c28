import { secondFactorRequired } from "../auth/two-factor";
import { endOwnSession, listOwnSessions } from "../services/account";
import { requestEmailChange } from "../services/account-links";
import { sessionIdInput } from "../schemas/account";
import { emailChangeRequestInput } from "../schemas/account-links";
import { defaultLocale } from "../locales";
import { protectedProcedure, router, signedInProcedure } from "../trpc";

// The signed-in user's own account, open even to an admin who still has to enrol a second factor.
export const accountRouter = router({
  get: signedInProcedure.query(({ ctx }) => ({
    email: ctx.viewer.email,
    twoFactorEnabled: ctx.viewer.twoFactorEnabled,
    secondFactorRequired: secondFactorRequired(ctx.viewer.role),
  })),
  sessions: signedInProcedure.query(({ ctx }) => listOwnSessions(ctx.db, ctx.viewer)),
  endSession: signedInProcedure.input(sessionIdInput).mutation(({ ctx, input }) => endOwnSession(ctx.db, ctx.actor, ctx.viewer, input.id)),
  requestEmailChange: protectedProcedure.input(emailChangeRequestInput).mutation(({ ctx, input }) => requestEmailChange(ctx.db, ctx.actor, ctx.viewer, input, new Date(), ctx.locale ?? defaultLocale)),
});
