import { sql } from "drizzle-orm";
import { index, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { rollouts } from "./firmware";
import { merchants } from "./merchants";
import { terminals } from "./terminals";
import { noticeSeverities, noticeStatuses, type NoticeChannels, type StoredNoticeAudience } from "./values";

export const noticeSeverity = pgEnum("notice_severity", noticeSeverities);
export const noticeStatus = pgEnum("notice_status", noticeStatuses);

/** A notice admins push to merchants' consoles, their terminals and, when critical, their phones. */
export const notices = pgTable(
  "notices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    title: text("title").notNull(),
    // Markdown; the console renders it without raw HTML, terminals receive it as written.
    body: text("body").notNull(),
    severity: noticeSeverity("severity").notNull().default("info"),
    status: noticeStatus("status").notNull().default("draft"),
    audience: jsonb("audience").$type<StoredNoticeAudience>().notNull(),
    channels: jsonb("channels").$type<NoticeChannels>().notNull(),
    // The rollout this notice announces, when it was made from one.
    rolloutId: uuid("rollout_id").references(() => rollouts.id),
    // The merchants it was published to: a reader sees it only while one of them is in their scope.
    merchantIds: jsonb("merchant_ids")
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    publishAt: timestamp("publish_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    withdrawnAt: timestamp("withdrawn_at", { withTimezone: true }),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("notices_due_idx")
      .on(t.publishAt)
      .where(sql`${t.status} = 'scheduled'`),
    index("notices_created_idx").on(t.createdAt),
  ],
);

/** A console reader a published notice was addressed to, and when they read it. */
export const noticeReads = pgTable(
  "notice_reads",
  {
    noticeId: uuid("notice_id")
      .notNull()
      .references(() => notices.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    readAt: timestamp("read_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.noticeId, t.userId] }), index("notice_reads_user_idx").on(t.userId, t.noticeId)],
);

/** A terminal a published notice was addressed to: when a heartbeat first carried it, and the acknowledgement. */
export const noticeDeliveries = pgTable(
  "notice_deliveries",
  {
    noticeId: uuid("notice_id")
      .notNull()
      .references(() => notices.id, { onDelete: "cascade" }),
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    merchantId: uuid("merchant_id").references(() => merchants.id),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    ackedAt: timestamp("acked_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.noticeId, t.terminalId] }),
    // The heartbeat looks up a terminal's unacknowledged notices; acknowledged ones leave the index.
    index("notice_deliveries_pending_idx")
      .on(t.terminalId)
      .where(sql`${t.ackedAt} is null`),
  ],
);
