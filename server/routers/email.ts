import { listEmailOutbox } from "../email/outbox";
import { emailOutboxListInput } from "../schemas/account-links";
import { adminProcedure, router } from "../trpc";

export const emailRouter = router({
  outbox: adminProcedure.input(emailOutboxListInput).query(({ ctx, input }) => listEmailOutbox(ctx.db, input)),
});
