import { bulkJobIdInput, bulkListInput, bulkStartInput } from "../schemas/bulk";
import { cancelBulkJob, getBulkJob, listBulkJobs, startBulkJob } from "../services/bulk-actions";
import { protectedProcedure, router } from "../trpc";

// Open to every role: which actions a role may start, and on which terminals, is the service's matrix.
export const bulkRouter = router({
  start: protectedProcedure.input(bulkStartInput).mutation(({ ctx, input }) => startBulkJob(ctx.db, ctx.actor, ctx.viewer, ctx.scope, input)),
  get: protectedProcedure.input(bulkJobIdInput).query(({ ctx, input }) => getBulkJob(ctx.db, ctx.viewer, input.id)),
  cancel: protectedProcedure.input(bulkJobIdInput).mutation(({ ctx, input }) => cancelBulkJob(ctx.db, ctx.actor, ctx.viewer, input.id)),
  list: protectedProcedure.input(bulkListInput).query(({ ctx, input }) => listBulkJobs(ctx.db, ctx.viewer, input)),
});
