import { z } from "zod";
import { createMerchant, createStore, getMerchant, listMerchants, merchantChoices, storeChoices, updateMerchant, updateStore } from "../services/merchants";
import { uuid } from "../schemas/common";
import { merchantCreateInput, merchantListInput, merchantUpdateInput, storeCreateInput, storeUpdateInput } from "../schemas/merchants";
import { adminProcedure, protectedProcedure, router } from "../trpc";

export const merchantsRouter = router({
  list: protectedProcedure.input(merchantListInput).query(({ ctx, input }) => listMerchants(ctx.db, ctx.scope, input)),
  choices: protectedProcedure.query(({ ctx }) => merchantChoices(ctx.db, ctx.scope)),
  storeChoices: protectedProcedure.query(({ ctx }) => storeChoices(ctx.db, ctx.scope)),
  getById: protectedProcedure.input(z.object({ id: uuid })).query(({ ctx, input }) => getMerchant(ctx.db, ctx.scope, input.id)),
  create: adminProcedure.input(merchantCreateInput).mutation(({ ctx, input }) => createMerchant(ctx.db, ctx.actor, input)),
  update: adminProcedure.input(merchantUpdateInput).mutation(({ ctx, input }) => updateMerchant(ctx.db, ctx.actor, input)),
  createStore: adminProcedure.input(storeCreateInput).mutation(({ ctx, input }) => createStore(ctx.db, ctx.actor, input)),
  updateStore: adminProcedure.input(storeUpdateInput).mutation(({ ctx, input }) => updateStore(ctx.db, ctx.actor, input)),
});
