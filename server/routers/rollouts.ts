import { idInput, rolloutCreateInput, rolloutJobListInput, rolloutListInput, rolloutPreviewInput } from "../schemas/firmware";
import { approvePhase, cancelRollout, createRollout, getRolloutProgress, listRolloutJobs, listRollouts, pauseRollout, previewRollout, resumeRollout } from "../services/rollouts";
import { adminProcedure, router } from "../trpc";

export const rolloutsRouter = router({
  list: adminProcedure.input(rolloutListInput).query(({ ctx, input }) => listRollouts(ctx.db, input)),
  get: adminProcedure.input(idInput).query(({ ctx, input }) => getRolloutProgress(ctx.db, input.id)),
  jobs: adminProcedure.input(rolloutJobListInput).query(({ ctx, input }) => listRolloutJobs(ctx.db, input)),
  // A mutation only to travel by POST: a pasted list of 100,000 serials does not fit in a URL.
  preview: adminProcedure.input(rolloutPreviewInput).mutation(({ ctx, input }) => previewRollout(ctx.db, input)),
  create: adminProcedure.input(rolloutCreateInput).mutation(({ ctx, input }) => createRollout(ctx.db, ctx.actor, input)),
  pause: adminProcedure.input(idInput).mutation(({ ctx, input }) => pauseRollout(ctx.db, ctx.actor, input.id)),
  resume: adminProcedure.input(idInput).mutation(({ ctx, input }) => resumeRollout(ctx.db, ctx.actor, input.id)),
  cancel: adminProcedure.input(idInput).mutation(({ ctx, input }) => cancelRollout(ctx.db, ctx.actor, input.id)),
  approvePhase: adminProcedure.input(idInput).mutation(({ ctx, input }) => approvePhase(ctx.db, ctx.actor, input.id)),
});
