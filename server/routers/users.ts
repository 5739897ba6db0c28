import { createUser, endUserSessions, listUsers, setTechnicianAssignments, setUserPassword, unlockUserSignIn, updateUser } from "../services/users";
import { technicianAssignInput, userCreateInput, userIdInput, userListInput, userSetPasswordInput, userUpdateInput } from "../schemas/users";
import { adminProcedure, protectedProcedure, router } from "../trpc";

export const usersRouter = router({
  me: protectedProcedure.query(({ ctx }) => ctx.viewer),
  list: adminProcedure.input(userListInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  create: adminProcedure.input(userCreateInput).mutation(({ ctx, input }) => createUser(ctx.db, ctx.actor, input)),
  update: adminProcedure.input(userUpdateInput).mutation(({ ctx, input }) => updateUser(ctx.db, ctx.actor, input)),
  setPassword: adminProcedure.input(userSetPasswordInput).mutation(({ ctx, input }) => setUserPassword(ctx.db, ctx.actor, input)),
  unlockSignIn: adminProcedure.input(userIdInput).mutation(({ ctx, input }) => unlockUserSignIn(ctx.db, ctx.actor, input.id)),
  endSessions: adminProcedure.input(userIdInput).mutation(({ ctx, input }) => endUserSessions(ctx.db, ctx.actor, input.id)),
  setAssignments: adminProcedure.input(technicianAssignInput).mutation(({ ctx, input }) => setTechnicianAssignments(ctx.db, ctx.actor, input)),
});
