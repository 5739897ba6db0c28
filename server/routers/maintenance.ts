import {
  calendarInput,
  faultReportInput,
  planCreateInput,
  planListInput,
  planUpdateInput,
  saveWorkInput,
  workOrderCreateInput,
  workOrderListInput,
  workOrderTransitionInput,
  workOrderUpdateInput,
} from "../schemas/maintenance";
import { idInput } from "../schemas/firmware";
import { uuid } from "../schemas/common";
import { z } from "zod";
import {
  createPlan,
  createWorkOrder,
  getWorkOrder,
  hasCalendarFeed,
  listPlans,
  listWorkOrders,
  moveWorkOrder,
  myWork,
  reportFault,
  rotateCalendarFeed,
  saveWork,
  updatePlan,
  updateWorkOrder,
  workOrderCalendar,
  type Worker,
} from "../services/maintenance";
import { assignableTechnicians } from "../services/technicians";
import { adminProcedure, protectedProcedure, roleProcedure, router } from "../trpc";

/** Admins and technicians do the work; the service keeps technicians to their merchants. */
const workerProcedure = roleProcedure("admin", "technician");

const workerOf = (ctx: { actor: Worker["actor"]; scope: Worker["scope"]; viewer: { id: string; role: Worker["role"] } }): Worker => ({
  actor: ctx.actor,
  scope: ctx.scope,
  userId: ctx.viewer.id,
  role: ctx.viewer.role,
});

export const maintenanceRouter = router({
  plans: workerProcedure.input(planListInput).query(({ ctx, input }) => listPlans(ctx.db, ctx.scope, input)),
  createPlan: adminProcedure.input(planCreateInput).mutation(({ ctx, input }) => createPlan(ctx.db, ctx.actor, input)),
  updatePlan: adminProcedure.input(planUpdateInput).mutation(({ ctx, input }) => updatePlan(ctx.db, ctx.actor, input)),
  technicians: adminProcedure.input(z.object({ merchantId: uuid.nullable() })).query(({ ctx, input }) => assignableTechnicians(ctx.db, input.merchantId)),

  list: protectedProcedure.input(workOrderListInput).query(({ ctx, input }) => listWorkOrders(ctx.db, ctx.scope, ctx.viewer.id, input)),
  myWork: workerProcedure.query(({ ctx }) => myWork(ctx.db, ctx.scope, ctx.viewer.id)),
  calendar: protectedProcedure.input(calendarInput).query(({ ctx, input }) => workOrderCalendar(ctx.db, ctx.scope, ctx.viewer.id, input)),
  get: protectedProcedure.input(idInput).query(({ ctx, input }) => getWorkOrder(ctx.db, ctx.scope, input.id)),
  create: adminProcedure.input(workOrderCreateInput).mutation(({ ctx, input }) => createWorkOrder(ctx.db, ctx.actor, input)),
  reportFault: protectedProcedure.input(faultReportInput).mutation(({ ctx, input }) => reportFault(ctx.db, ctx.actor, ctx.scope, input)),
  update: workerProcedure.input(workOrderUpdateInput).mutation(({ ctx, input }) => updateWorkOrder(ctx.db, workerOf(ctx), input)),
  move: workerProcedure.input(workOrderTransitionInput).mutation(({ ctx, input }) => moveWorkOrder(ctx.db, workerOf(ctx), input.id, input.status)),
  saveWork: workerProcedure.input(saveWorkInput).mutation(({ ctx, input }) => saveWork(ctx.db, workerOf(ctx), input)),

  calendarFeed: workerProcedure.query(({ ctx }) => hasCalendarFeed(ctx.db, ctx.viewer.id)),
  // The explicit input keeps a stray call from replacing a technician's feed URL.
  rotateCalendarFeed: workerProcedure.input(z.object({ rotate: z.literal(true) })).mutation(({ ctx }) => rotateCalendarFeed(ctx.db, ctx.actor, ctx.viewer.id)),
});
