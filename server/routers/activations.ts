import { activationCancelInput, activationListInput, activationUnblockInput, smsOutboxListInput } from "../schemas/activations";
import { activatableTerminals, cancelActivation, listActivations, listBlockedTerminals, listRefusedRequests, listSmsOutbox, unblockActivation } from "../services/activation";
import { adminProcedure, protectedProcedure, router } from "../trpc";

export const activationsRouter = router({
  list: protectedProcedure.input(activationListInput).query(({ ctx, input }) => listActivations(ctx.db, ctx.scope, input)),
  outbox: adminProcedure.input(smsOutboxListInput).query(({ ctx, input }) => listSmsOutbox(ctx.db, input)),
  cancel: adminProcedure.input(activationCancelInput).mutation(({ ctx, input }) => cancelActivation(ctx.db, ctx.actor, input.id)),
  blocked: protectedProcedure.query(({ ctx }) => listBlockedTerminals(ctx.db, ctx.scope)),
  activatable: protectedProcedure.query(({ ctx }) => activatableTerminals(ctx.db, ctx.scope)),
  refused: protectedProcedure.query(({ ctx }) => listRefusedRequests(ctx.db, ctx.scope)),
  unblock: adminProcedure.input(activationUnblockInput).mutation(({ ctx, input }) => unblockActivation(ctx.db, ctx.actor, input.serialNumber)),
});
