import { z } from "zod";
import { text, uuid } from "../schemas/common";
import { terminalActivity } from "../services/activity";
import { reissueDeviceToken } from "../services/device-tokens";
import { describeImportErrors, importTerminals } from "../services/terminal-import";
import { assignTerminal, createTerminal, getTerminalBySerial, listTerminals, setTerminalStatus, terminalFilterOptions, updateTerminal } from "../services/terminals";
import { terminalAssignInput, terminalCreateInput, terminalImportInput, terminalListInput, terminalStatusInput, terminalUpdateInput } from "../schemas/terminals";
import { adminProcedure, protectedProcedure, router } from "../trpc";

export const terminalsRouter = router({
  list: protectedProcedure.input(terminalListInput).query(({ ctx, input }) => listTerminals(ctx.db, ctx.scope, input)),
  filterOptions: protectedProcedure.query(({ ctx }) => terminalFilterOptions(ctx.db, ctx.scope)),
  getBySerial: protectedProcedure
    .input(z.object({ serialNumber: text().trim().min(1).max(40) }))
    .query(({ ctx, input }) => getTerminalBySerial(ctx.db, ctx.scope, ctx.viewer.role, input.serialNumber)),
  activity: protectedProcedure.input(z.object({ serialNumber: text().trim().min(1).max(40) })).query(({ ctx, input }) => terminalActivity(ctx.db, ctx.scope, input.serialNumber)),
  create: adminProcedure.input(terminalCreateInput).mutation(({ ctx, input }) => createTerminal(ctx.db, ctx.actor, input)),
  update: adminProcedure.input(terminalUpdateInput).mutation(({ ctx, input }) => updateTerminal(ctx.db, ctx.actor, input)),
  assign: adminProcedure.input(terminalAssignInput).mutation(({ ctx, input }) => assignTerminal(ctx.db, ctx.actor, input)),
  setStatus: adminProcedure.input(terminalStatusInput).mutation(({ ctx, input }) => setTerminalStatus(ctx.db, ctx.actor, input)),
  issueDeviceToken: adminProcedure.input(z.object({ id: uuid })).mutation(({ ctx, input }) => reissueDeviceToken(ctx.db, ctx.actor, input.id)),
  import: adminProcedure.input(terminalImportInput).mutation(async ({ ctx, input }) => describeImportErrors(await importTerminals(ctx.db, ctx.actor, input), ctx.locale)),
});
