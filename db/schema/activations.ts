import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { merchants } from "./merchants";
import { notices } from "./notices";
import { terminals } from "./terminals";
import { activationStatuses, smsStatuses } from "./values";

export const activationStatus = pgEnum("activation_status", activationStatuses);

/**
 * One activation code sent to a merchant's registered phone for a terminal. The code is stored only
 * as an HMAC; the rows double as the send log that the per-terminal, per-phone and per-IP limits count.
 */
export const activations = pgTable(
  "activations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    merchantId: uuid("merchant_id")
      .notNull()
      .references(() => merchants.id),
    phone: text("phone").notNull(),
    codeHash: text("code_hash").notNull(),
    status: activationStatus("status").notNull().default("pending"),
    wrongAttempts: smallint("wrong_attempts").notNull().default(0),
    requestIp: text("request_ip"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    // At most one code is live per terminal; a new request replaces the old one.
    uniqueIndex("activations_one_pending_idx")
      .on(t.terminalId)
      .where(sql`${t.status} = 'pending'`),
    index("activations_terminal_idx").on(t.terminalId, t.createdAt),
    index("activations_phone_idx").on(t.phone, t.createdAt),
    index("activations_ip_idx").on(t.requestIp, t.createdAt),
    index("activations_merchant_idx").on(t.merchantId, t.createdAt),
  ],
);

export const smsStatus = pgEnum("sms_status", smsStatuses);

/**
 * Outgoing SMS, delivered by a job with retries. The code travels encrypted in `secret` and is
 * wiped once the message is sent or given up; `preview` is the body with the code masked.
 */
export const smsOutbox = pgTable(
  "sms_outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    activationId: uuid("activation_id").references(() => activations.id),
    // A critical notice's SMS to a merchant's registered phone.
    noticeId: uuid("notice_id").references(() => notices.id),
    merchantId: uuid("merchant_id").references(() => merchants.id),
    to: text("to").notNull(),
    template: text("template").notNull(),
    preview: text("preview").notNull(),
    secret: text("secret"),
    provider: text("provider").notNull(),
    status: smsStatus("status").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    providerResponse: jsonb("provider_response"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    index("sms_outbox_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'queued'`),
    index("sms_outbox_created_idx").on(t.createdAt),
    index("sms_outbox_notice_idx")
      .on(t.noticeId)
      .where(sql`${t.noticeId} is not null`),
  ],
);
