import { complianceInput, courseCreateInput, courseUpdateInput, recordListInput, sessionInput, staffCreateInput, staffListInput, staffUpdateInput } from "../schemas/training";
import { idInput } from "../schemas/firmware";
import { uuid } from "../schemas/common";
import { z } from "zod";
import {
  createCourse,
  createStaff,
  deleteRecord,
  getRecord,
  listCourses,
  listRecords,
  listStaff,
  recordSession,
  storeCompliance,
  storeEvidence,
  trainerChoices,
  updateCourse,
  updateStaff,
  type Recorder,
} from "../services/training";
import { adminProcedure, protectedProcedure, roleProcedure, router } from "../trpc";

/** Merchants keep their own roster and records; admins keep everyone's. Technicians read and record sessions. */
const rosterProcedure = roleProcedure("admin", "merchant");

const recorderOf = (ctx: { actor: Recorder["actor"]; scope: Recorder["scope"]; viewer: { id: string; name: string; role: Recorder["role"] } }): Recorder => ({
  actor: ctx.actor,
  scope: ctx.scope,
  userId: ctx.viewer.id,
  name: ctx.viewer.name,
  role: ctx.viewer.role,
});

export const trainingRouter = router({
  staff: protectedProcedure.input(staffListInput).query(({ ctx, input }) => listStaff(ctx.db, ctx.scope, input)),
  createStaff: rosterProcedure.input(staffCreateInput).mutation(({ ctx, input }) => createStaff(ctx.db, ctx.actor, ctx.scope, input)),
  updateStaff: rosterProcedure.input(staffUpdateInput).mutation(({ ctx, input }) => updateStaff(ctx.db, ctx.actor, ctx.scope, input)),

  courses: protectedProcedure.query(({ ctx }) => listCourses(ctx.db)),
  createCourse: adminProcedure.input(courseCreateInput).mutation(({ ctx, input }) => createCourse(ctx.db, ctx.actor, input)),
  updateCourse: adminProcedure.input(courseUpdateInput).mutation(({ ctx, input }) => updateCourse(ctx.db, ctx.actor, input)),

  trainers: protectedProcedure.input(z.object({ merchantId: uuid })).query(({ ctx, input }) => trainerChoices(ctx.db, ctx.scope, input.merchantId)),
  recordSession: protectedProcedure.input(sessionInput).mutation(({ ctx, input }) => recordSession(ctx.db, recorderOf(ctx), input)),
  records: protectedProcedure.input(recordListInput).query(({ ctx, input }) => listRecords(ctx.db, ctx.scope, input)),
  record: protectedProcedure.input(idInput).query(({ ctx, input }) => getRecord(ctx.db, ctx.scope, input.id)),
  deleteRecord: rosterProcedure.input(idInput).mutation(({ ctx, input }) => deleteRecord(ctx.db, ctx.actor, ctx.scope, input.id)),

  compliance: protectedProcedure.input(complianceInput).query(({ ctx, input }) => storeCompliance(ctx.db, ctx.scope, input)),
  evidence: protectedProcedure.input(z.object({ storeId: uuid })).query(({ ctx, input }) => storeEvidence(ctx.db, ctx.scope, input.storeId)),
});
