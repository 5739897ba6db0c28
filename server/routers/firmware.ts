import { z } from "zod";
import { idInput, releaseCreateInput, releaseListInput, releaseUpdateInput } from "../schemas/firmware";
import { createRelease, deleteDraftRelease, getRelease, listReleases, setReleaseStatus, updateRelease } from "../services/firmware";
import { adminProcedure, router } from "../trpc";

export const firmwareRouter = router({
  list: adminProcedure.input(releaseListInput).query(({ ctx, input }) => listReleases(ctx.db, input)),
  get: adminProcedure.input(idInput).query(({ ctx, input }) => getRelease(ctx.db, input.id)),
  create: adminProcedure.input(releaseCreateInput).mutation(({ ctx, input }) => createRelease(ctx.db, ctx.actor, input)),
  update: adminProcedure.input(releaseUpdateInput).mutation(({ ctx, input }) => updateRelease(ctx.db, ctx.actor, input)),
  setStatus: adminProcedure.input(idInput.extend({ status: z.enum(["published", "deprecated"]) })).mutation(({ ctx, input }) => setReleaseStatus(ctx.db, ctx.actor, input.id, input.status)),
  deleteDraft: adminProcedure.input(idInput).mutation(({ ctx, input }) => deleteDraftRelease(ctx.db, ctx.actor, input.id)),
});
