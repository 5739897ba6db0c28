import { createModel, listModels, updateModel } from "../services/models";
import { modelCreateInput, modelUpdateInput } from "../schemas/models";
import { adminProcedure, protectedProcedure, router } from "../trpc";

export const modelsRouter = router({
  list: protectedProcedure.query(({ ctx }) => listModels(ctx.db)),
  create: adminProcedure.input(modelCreateInput).mutation(({ ctx, input }) => createModel(ctx.db, ctx.actor, input)),
  update: adminProcedure.input(modelUpdateInput).mutation(({ ctx, input }) => updateModel(ctx.db, ctx.actor, input)),
});
