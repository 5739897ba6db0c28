import { z } from "zod";
import { merchantLanguages } from "@/db/schema/values";
import { logger } from "../logger";
import { uuid } from "../schemas/common";
import { idInput } from "../schemas/firmware";
import { audiencePreviewInput, inboxInput, noticeAddTerminalsInput, noticeCreateInput, noticeEditableListInput, noticeListInput, noticeUpdateInput } from "../schemas/notices";
import {
  addNoticeTerminals,
  createNotice,
  createRolloutNotice,
  deleteDraft,
  getNotice,
  inbox,
  inboxNotice,
  listEditableNotices,
  listNotices,
  previewAudience,
  publishNotice,
  readNotice,
  scheduleNotice,
  unreadSummary,
  updateNotice,
  withdrawNotice,
} from "../services/notices";
import { deliverDueSms } from "../sms/outbox";
import { adminProcedure, protectedProcedure, router } from "../trpc";

export const noticesRouter = router({
  // Admins compose, publish and follow receipts.
  list: adminProcedure.input(noticeListInput).query(({ ctx, input }) => listNotices(ctx.db, input)),
  get: adminProcedure.input(idInput).query(({ ctx, input }) => getNotice(ctx.db, input.id)),
  preview: adminProcedure.input(audiencePreviewInput).query(({ ctx, input }) => previewAudience(ctx.db, input)),
  // The terminal list's bulk bar adds its selection to a draft or scheduled notice picked from editableList.
  editableList: adminProcedure.input(noticeEditableListInput).query(({ ctx, input }) => listEditableNotices(ctx.db, input)),
  addTerminals: adminProcedure.input(noticeAddTerminalsInput).mutation(({ ctx, input }) => addNoticeTerminals(ctx.db, ctx.actor, ctx.scope, input)),
  create: adminProcedure.input(noticeCreateInput).mutation(({ ctx, input }) => createNotice(ctx.db, ctx.actor, input)),
  update: adminProcedure.input(noticeUpdateInput).mutation(({ ctx, input }) => updateNotice(ctx.db, ctx.actor, input)),
  schedule: adminProcedure.input(idInput).mutation(({ ctx, input }) => scheduleNotice(ctx.db, ctx.actor, input.id)),
  publish: adminProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const published = await publishNotice(ctx.db, ctx.actor, input.id);
    // A critical notice's SMS go out at once; the delivery job retries whatever this leaves queued.
    if (published.smsQueued > 0) void deliverDueSms(ctx.db).catch((error: unknown) => logger.error({ err: error }, "SMS delivery failed"));
    return published;
  }),
  withdraw: adminProcedure.input(idInput).mutation(({ ctx, input }) => withdrawNotice(ctx.db, ctx.actor, input.id)),
  deleteDraft: adminProcedure.input(idInput).mutation(({ ctx, input }) => deleteDraft(ctx.db, ctx.actor, input.id)),
  // language: the admin's, for a draft to merchants of different languages.
  createForRollout: adminProcedure
    .input(z.object({ rolloutId: uuid, language: z.enum(merchantLanguages).default("en") }))
    .mutation(({ ctx, input }) => createRolloutNotice(ctx.db, ctx.actor, input.rolloutId, input.language)),

  // Every reader sees only the notices addressed to them.
  inbox: protectedProcedure.input(inboxInput).query(({ ctx, input }) => inbox(ctx.db, ctx.viewer.id, ctx.scope, input)),
  unread: protectedProcedure.query(({ ctx }) => unreadSummary(ctx.db, ctx.viewer.id, ctx.scope)),
  inboxNotice: protectedProcedure.input(idInput).query(({ ctx, input }) => inboxNotice(ctx.db, ctx.viewer.id, ctx.scope, input.id)),
  read: protectedProcedure.input(idInput).mutation(({ ctx, input }) => readNotice(ctx.db, ctx.viewer.id, ctx.scope, input.id)),
});
