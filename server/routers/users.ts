import { createUser, endUserSessions, listUsers, setTechnicianAssignments, setUserPassword, unlockUserSignIn, updateUser } from "../services/users";
import { technicianAssignInput, userCreateInput, userIdInput, userListInput, userSetPasswordInput, userUpdateInput } from "../schemas/users";
import { inviteUser } from "../services/account-links";
import { inviteInput } from "../schemas/account-links";
import { defaultLocale } from "../locales";
import { adminProcedure, protectedProcedure, roleProcedure, router } from "../trpc";

export const usersRouter = router({
  me: protectedProcedure.query(({ ctx }) => ctx.viewer),
  list: adminProcedure.input(userListInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  // Merchant owners invite their own staff's logins too; the service holds them to their merchant.
  invite: roleProcedure("admin", "merchant")
    .input(inviteInput)
    .mutation(({ ctx, input }) => inviteUser(ctx.db, { actor: ctx.actor, role: ctx.viewer.role, merchantId: ctx.viewer.merchantId }, input, new Date(), ctx.locale ?? defaultLocale)),
  create: adminProcedure.input(userCreateInput).mutation(({ ctx, input }) => createUser(ctx.db, ctx.actor, input)),
  update: adminProcedure.input(userUpdateInput).mutation(({ ctx, input }) => updateUser(ctx.db, ctx.actor, input)),
  setPassword: adminProcedure.input(userSetPasswordInput).mutation(({ ctx, input }) => setUserPassword(ctx.db, ctx.actor, input)),
  unlockSignIn: adminProcedure.input(userIdInput).mutation(({ ctx, input }) => unlockUserSignIn(ctx.db, ctx.actor, input.id)),
  endSessions: adminProcedure.input(userIdInput).mutation(({ ctx, input }) => endUserSessions(ctx.db, ctx.actor, input.id)),
  setAssignments: adminProcedure.input(technicianAssignInput).mutation(({ ctx, input }) => setTechnicianAssignments(ctx.db, ctx.actor, input)),
});
