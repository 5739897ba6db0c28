import { fleetOverview } from "../services/overview";
import { protectedProcedure, router } from "../trpc";

export const overviewRouter = router({
  get: protectedProcedure.query(({ ctx }) => fleetOverview(ctx.db, ctx.scope)),
});
