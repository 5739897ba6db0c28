import { z } from "zod";
import { NOTICE_AUDIENCE_TERMINALS_MAX, noticeReaderRoles, noticeSeverities, noticeStatuses } from "@/db/schema/values";
import { bulkSelection } from "./bulk";
import { dateTime, pageInput, requiredText, trimmed, uuid } from "./common";

const idList = z.array(uuid).max(500).default([]);
const textList = (max: number) => z.array(requiredText(max)).max(200).default([]);

const audienceFields = z.object({
  everyone: z.boolean().default(false),
  merchantIds: idList,
  storeIds: idList,
  regions: textList(80),
  // Chosen in the terminal list, a page or a whole filter at a time.
  terminalIds: z.array(uuid).max(NOTICE_AUDIENCE_TERMINALS_MAX).default([]),
  modelIds: idList,
  firmwareVersions: textList(40),
  rolloutId: uuid.nullable().default(null),
  roles: z.array(z.enum(noticeReaderRoles)).max(noticeReaderRoles.length).default(["merchant", "technician"]),
});

/** Everyone, or at least one target to narrow it to; never both. A saved notice's terminal list (terminalsOf) is a target too. */
const audienceRules = (a: z.output<typeof audienceFields> & { terminalsOf?: string | null }, ctx: z.RefinementCtx) => {
  const targets = a.merchantIds.length + a.storeIds.length + a.regions.length + a.terminalIds.length + a.modelIds.length + a.firmwareVersions.length + (a.rolloutId ? 1 : 0) + (a.terminalsOf ? 1 : 0);
  if (!a.everyone && targets === 0) ctx.addIssue({ code: "custom", message: "audienceEmpty" });
  if (a.everyone && targets > 0) ctx.addIssue({ code: "custom", message: "audienceEveryoneNarrowed" });
};

export const audienceInput = audienceFields.superRefine(audienceRules);
export type AudienceInput = z.output<typeof audienceInput>;

/**
 * The composer's live audience size. Up to 10,000 listed terminals would not fit in a query's URL,
 * so it counts a saved notice's list by naming the notice (terminalsOf), in addition to terminalIds.
 */
export const audiencePreviewInput = audienceFields.extend({ terminalsOf: uuid.nullable().default(null) }).superRefine(audienceRules);
export type AudiencePreviewInput = z.output<typeof audiencePreviewInput>;

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

/** Terminals chosen in the terminal list (by id or by its filter), added to a draft or scheduled notice's audience. */
export const noticeAddTerminalsInput = z.object({ noticeId: uuid, selection: bulkSelection });
export type NoticeAddTerminalsInput = z.output<typeof noticeAddTerminalsInput>;

/** The notices a dialog offers to add terminals to: drafts and scheduled ones, newest first, by title. */
export const noticeEditableListInput = z.object({ q: trimmed(80).optional() });
export type NoticeEditableListInput = z.output<typeof noticeEditableListInput>;
