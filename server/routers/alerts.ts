import { z } from "zod";
import { uuid } from "../schemas/common";
import { idInput } from "../schemas/firmware";
import { acknowledgeAlertInput, alertListInput, alertRuleInput, alertRuleUpdateInput, markAlertsReadInput, notificationSettingsInput } from "../schemas/alerts";
import {
  acknowledgeAlert,
  createRule,
  deleteRule,
  getNotificationSettings,
  listAlerts,
  listRules,
  markAlertsRead,
  saveNotificationSettings,
  setSubscription,
  unreadAlertCount,
  updateRule,
} from "../services/alerts";
import { protectedProcedure, roleProcedure, router } from "../trpc";

// Everyone has an inbox and subscribes to the rules they can see; admins and merchant owners write rules.
const ruleWriter = roleProcedure("admin", "merchant");

export const alertsRouter = router({
  list: protectedProcedure.input(alertListInput).query(({ ctx, input }) => listAlerts(ctx.db, ctx.viewer, ctx.scope, input)),
  unreadCount: protectedProcedure.query(({ ctx }) => unreadAlertCount(ctx.db, ctx.viewer, ctx.scope)),
  markRead: protectedProcedure.input(markAlertsReadInput).mutation(({ ctx, input }) => markAlertsRead(ctx.db, ctx.viewer.id, input)),
  acknowledge: protectedProcedure.input(acknowledgeAlertInput).mutation(({ ctx, input }) => acknowledgeAlert(ctx.db, ctx.actor, ctx.viewer, ctx.scope, input)),

  rules: protectedProcedure.query(({ ctx }) => listRules(ctx.db, ctx.viewer, ctx.scope)),
  createRule: ruleWriter.input(alertRuleInput).mutation(({ ctx, input }) => createRule(ctx.db, ctx.actor, ctx.viewer, input)),
  updateRule: ruleWriter.input(alertRuleUpdateInput).mutation(({ ctx, input }) => updateRule(ctx.db, ctx.actor, ctx.viewer, ctx.scope, input)),
  deleteRule: ruleWriter.input(idInput).mutation(({ ctx, input }) => deleteRule(ctx.db, ctx.actor, ctx.viewer, ctx.scope, input.id)),
  subscribe: protectedProcedure.input(z.object({ ruleId: uuid, subscribed: z.boolean() })).mutation(({ ctx, input }) => setSubscription(ctx.db, ctx.viewer, ctx.scope, input.ruleId, input.subscribed)),

  settings: protectedProcedure.query(({ ctx }) => getNotificationSettings(ctx.db, ctx.viewer)),
  saveSettings: protectedProcedure.input(notificationSettingsInput).mutation(({ ctx, input }) => saveNotificationSettings(ctx.db, ctx.actor, ctx.viewer, input)),
});
