import { webhookCreateInput, webhookDeliveriesInput, webhookIdInput, webhookListInput, webhookUpdateInput } from "../schemas/webhooks";
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, rotateWebhookSecret, sendDeliveryAgain, sendTestEvent, updateWebhook } from "../services/webhooks";
import { roleProcedure, router } from "../trpc";

// Admins keep the fleet's webhooks and any merchant's; a merchant owner keeps their merchant's. Technicians keep none.
const webhookKeeper = roleProcedure("admin", "merchant");

export const webhooksRouter = router({
  list: webhookKeeper.input(webhookListInput).query(({ ctx, input }) => listWebhooks(ctx.db, ctx.scope, input)),
  create: webhookKeeper.input(webhookCreateInput).mutation(({ ctx, input }) => createWebhook(ctx.db, ctx.actor, ctx.scope, input)),
  update: webhookKeeper.input(webhookUpdateInput).mutation(({ ctx, input }) => updateWebhook(ctx.db, ctx.actor, ctx.scope, input)),
  delete: webhookKeeper.input(webhookIdInput).mutation(({ ctx, input }) => deleteWebhook(ctx.db, ctx.actor, ctx.scope, input.id)),
  rotateSecret: webhookKeeper.input(webhookIdInput).mutation(({ ctx, input }) => rotateWebhookSecret(ctx.db, ctx.actor, ctx.scope, input.id)),
  deliveries: webhookKeeper.input(webhookDeliveriesInput).query(({ ctx, input }) => listDeliveries(ctx.db, ctx.scope, input)),
  // Both queue; the deliver-webhooks job sends within its 10 s period, signed and retried like any alert.
  sendAgain: webhookKeeper.input(webhookIdInput).mutation(({ ctx, input }) => sendDeliveryAgain(ctx.db, ctx.actor, ctx.scope, input.id)),
  sendTest: webhookKeeper.input(webhookIdInput).mutation(({ ctx, input }) => sendTestEvent(ctx.db, ctx.actor, ctx.scope, input.id)),
});
