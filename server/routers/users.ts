import { createUser, listUsers, setTechnicianAssignments, setUserPassword, updateUser } from "../services/users";
import { technicianAssignInput, userCreateInput, userListInput, userSetPasswordInput, userUpdateInput } from "../schemas/users";
import { adminProcedure, protectedProcedure, router } from "../trpc";

export const usersRouter = router({
  me: protectedProcedure.query(({ ctx }) => ctx.viewer),
  list: adminProcedure.input(userListInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  create: adminProcedure.input(userCreateInput).mutation(({ ctx, input }) => createUser(ctx.db, ctx.actor, input)),
  update: adminProcedure.input(userUpdateInput).mutation(({ ctx, input }) => updateUser(ctx.db, ctx.actor, input)),
  setPassword: adminProcedure.input(userSetPasswordInput).mutation(({ ctx, input }) => setUserPassword(ctx.db, ctx.actor, input)),
  setAssignments: adminProcedure.input(technicianAssignInput).mutation(({ ctx, input }) => setTechnicianAssignments(ctx.db, ctx.actor, input)),
});
