import { commandIdInput, commandListInput, commandSendInput } from "../schemas/commands";
import { cancelCommand, issueCommand, listCommands } from "../services/commands";
import { protectedProcedure, router } from "../trpc";

// Open to every role: which kinds a role may send, and to which terminals, is the service's matrix.
export const commandsRouter = router({
  list: protectedProcedure.input(commandListInput).query(({ ctx, input }) => listCommands(ctx.db, ctx.scope, input.terminalId)),
  send: protectedProcedure.input(commandSendInput).mutation(({ ctx, input }) => issueCommand(ctx.db, ctx.actor, ctx.viewer, ctx.scope, input)),
  cancel: protectedProcedure.input(commandIdInput).mutation(({ ctx, input }) => cancelCommand(ctx.db, ctx.actor, ctx.viewer, ctx.scope, input.id)),
});
