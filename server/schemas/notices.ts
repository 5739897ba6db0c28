import { z } from "zod";
import { noticeReaderRoles, noticeSeverities, noticeStatuses } from "@/db/schema/values";
import { dateTime, pageInput, requiredText, trimmed, uuid } from "./common";

const idList = z.array(uuid).max(500).default([]);
const textList = (max: number) => z.array(requiredText(max)).max(200).default([]);

export const audienceInput = z
  .object({
    everyone: z.boolean().default(false),
    merchantIds: idList,
    storeIds: idList,
    regions: textList(80),
    modelIds: idList,
    firmwareVersions: textList(40),
    rolloutId: uuid.nullable().default(null),
    roles: z.array(z.enum(noticeReaderRoles)).max(noticeReaderRoles.length).default(["merchant", "technician"]),
  })
  .refine((a) => a.everyone || a.merchantIds.length + a.storeIds.length + a.regions.length + a.modelIds.length + a.firmwareVersions.length > 0 || a.rolloutId, {
    message: "audienceEmpty",
  })
  .refine((a) => !a.everyone || (a.merchantIds.length + a.storeIds.length + a.regions.length + a.modelIds.length + a.firmwareVersions.length === 0 && !a.rolloutId), {
    message: "audienceEveryoneNarrowed",
  });
export type AudienceInput = z.output<typeof audienceInput>;

export const channelsInput = z
  .object({ inbox: z.boolean().default(true), terminals: z.boolean().default(false), sms: z.boolean().default(false) })
  .refine((c) => c.inbox || c.terminals || c.sms, { message: "chooseChannel" });

const noticeFields = {
  title: requiredText(120),
  body: requiredText(5000),
  severity: z.enum(noticeSeverities),
  audience: audienceInput,
  channels: channelsInput,
  // When to publish; none publishes on request.
  publishAt: dateTime.nullable(),
  expiresAt: dateTime.nullable(),
};

/**
 * SMS is for critical notices to merchant owners (it goes to the merchant's phone); the inbox needs
 * readers; an expiry must come after publication.
 */
const consistent = (n: { severity?: string; channels?: { sms: boolean; inbox: boolean }; audience?: { roles: string[] }; publishAt?: Date | null; expiresAt?: Date | null }, ctx: z.RefinementCtx) => {
  if (n.channels?.sms && n.severity !== undefined && n.severity !== "critical") ctx.addIssue({ code: "custom", path: ["channels"], message: "smsCriticalOnly" });
  if (n.channels?.sms && n.audience && !n.audience.roles.includes("merchant")) ctx.addIssue({ code: "custom", path: ["channels"], message: "smsNeedsMerchants" });
  if (n.channels?.inbox && n.audience?.roles.length === 0) ctx.addIssue({ code: "custom", path: ["audience"], message: "chooseReaders" });
  if (n.publishAt && n.expiresAt && n.expiresAt <= n.publishAt) ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "expiryAfterPublish" });
};

export const noticeCreateInput = z
  .object({ ...noticeFields, severity: noticeFields.severity.default("info"), publishAt: noticeFields.publishAt.default(null), expiresAt: noticeFields.expiresAt.default(null) })
  .superRefine(consistent);
export type NoticeCreateInput = z.output<typeof noticeCreateInput>;

// Without defaults: an update changes only the fields it names.
export const noticeUpdateInput = z.object(noticeFields).partial().extend({ id: uuid }).superRefine(consistent);
export type NoticeUpdateInput = z.output<typeof noticeUpdateInput>;

export const noticeListInput = z.object({
  q: trimmed(80).optional(),
  status: z.enum(noticeStatuses).optional(),
  severity: z.enum(noticeSeverities).optional(),
  ...pageInput,
});
export type NoticeListInput = z.output<typeof noticeListInput>;

export const inboxInput = z.object({ unread: z.union([z.boolean(), z.stringbool()]).optional(), ...pageInput });
export type InboxInput = z.output<typeof inboxInput>;
