import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { merchants, stores } from "./merchants";
import { terminals } from "./terminals";
import { accountLinkKinds, alertRuleKinds, alertSeverities, alertStatuses, emailDeliveryModes, emailKinds, outboxStatuses, smsDeliveryModes } from "./values";

export const alertRuleKind = pgEnum("alert_rule_kind", alertRuleKinds);
export const alertSeverity = pgEnum("alert_severity", alertSeverities);
export const alertStatus = pgEnum("alert_status", alertStatuses);
export const emailDeliveryMode = pgEnum("email_delivery_mode", emailDeliveryModes);
export const smsDeliveryMode = pgEnum("sms_delivery_mode", smsDeliveryModes);
export const outboxStatus = pgEnum("outbox_status", outboxStatuses);
export const emailKind = pgEnum("email_kind", emailKinds);
export const accountLinkKind = pgEnum("account_link_kind", accountLinkKinds);

/**
 * What raises alerts. An admin's rule covers the fleet or the chosen merchants; a merchant owner's
 * (`ownerMerchantId`) covers that merchant only. The chosen stores narrow either.
 */
export const alertRules = pgTable(
  "alert_rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: alertRuleKind("kind").notNull(),
    severity: alertSeverity("severity").notNull(),
    // Minutes offline, battery percent, errors per hour or days before a training expires; none for the other kinds.
    threshold: integer("threshold"),
    // Offline rules: a terminal is not missed while its store is closed.
    onlyWhenOpen: boolean("only_when_open").notNull().default(false),
    ownerMerchantId: uuid("owner_merchant_id").references(() => merchants.id),
    // Empty: every merchant the owner may see (the fleet for an admin's rule).
    merchantIds: uuid("merchant_ids")
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    storeIds: uuid("store_ids")
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    email: boolean("email").notNull().default(true),
    sms: boolean("sms").notNull().default(false),
    webhook: boolean("webhook").notNull().default(false),
    enabled: boolean("enabled").notNull().default(true),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("alert_rules_kind_idx").on(t.kind, t.enabled), index("alert_rules_owner_idx").on(t.ownerMerchantId)],
);

/** The people a rule's alerts reach, besides nobody: its author subscribes when creating it. */
export const alertSubscriptions = pgTable(
  "alert_subscriptions",
  {
    ruleId: uuid("rule_id")
      .notNull()
      .references(() => alertRules.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.userId] }), index("alert_subscriptions_user_idx").on(t.userId)],
);

/**
 * One condition of one rule: at most one open alert per rule and subject (a terminal, rollout, work
 * order, training record or merchant), resolved when the condition ends.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ruleId: uuid("rule_id")
      .notNull()
      .references(() => alertRules.id, { onDelete: "cascade" }),
    kind: alertRuleKind("kind").notNull(),
    severity: alertSeverity("severity").notNull(),
    subjectKey: text("subject_key").notNull(),
    merchantId: uuid("merchant_id").references(() => merchants.id),
    storeId: uuid("store_id").references(() => stores.id),
    terminalId: uuid("terminal_id").references(() => terminals.id),
    // What the message says, worded at display time in the reader's language (alerts.messages.<kind>).
    params: jsonb("params").$type<Record<string, string | number>>().notNull(),
    status: alertStatus("status").notNull().default("open"),
    raisedAt: timestamp("raised_at", { withTimezone: true }).notNull(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
    acknowledgedBy: text("acknowledged_by").references(() => users.id, { onDelete: "set null" }),
    acknowledgementNote: text("acknowledgement_note"),
  },
  (t) => [
    uniqueIndex("alerts_open_subject_uq")
      .on(t.ruleId, t.subjectKey)
      .where(sql`${t.status} = 'open'`),
    index("alerts_merchant_raised_idx").on(t.merchantId, t.raisedAt),
    index("alerts_raised_idx").on(t.raisedAt),
    index("alerts_open_kind_idx")
      .on(t.kind)
      .where(sql`${t.status} = 'open'`),
    // A terminal's open alerts: the check-ins resolve them, and the offline rules look them up.
    index("alerts_open_terminal_idx")
      .on(t.terminalId)
      .where(sql`${t.status} = 'open'`),
  ],
);

/** Who an alert reached (its inbox entries) and whether they read it; digests gather the pending e-mails. */
export const alertRecipients = pgTable(
  "alert_recipients",
  {
    alertId: uuid("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    readAt: timestamp("read_at", { withTimezone: true }),
    digestPending: boolean("digest_pending").notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.alertId, t.userId] }),
    index("alert_recipients_unread_idx")
      .on(t.userId)
      .where(sql`${t.readAt} is null`),
    index("alert_recipients_digest_idx")
      .on(t.userId)
      .where(sql`${t.digestPending}`),
  ],
);

/** How each person wants alerts: e-mail at once or in a digest, SMS, quiet hours in their time zone. */
export const notificationSettings = pgTable("notification_settings", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  emailMode: emailDeliveryMode("email_mode").notNull().default("immediate"),
  smsMode: smsDeliveryMode("sms_mode").notNull().default("critical"),
  // The mobile alerts go to by SMS (E.164); none: no SMS.
  phone: text("phone"),
  // "HH:MM" in timeZone; both set or neither. Critical alerts ignore them.
  quietFrom: text("quiet_from"),
  quietUntil: text("quiet_until"),
  timeZone: text("time_zone").notNull().default("Asia/Shanghai"),
  // The language of e-mails and SMS to this person.
  locale: text("locale").notNull().default("en"),
  lastDigestAt: timestamp("last_digest_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Outgoing e-mail, delivered by a job with retries. The message (which may hold a single-use link)
 * travels sealed in `secret` and is wiped once sent or given up; `preview` has its links masked.
 */
export const emailOutbox = pgTable(
  "email_outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: emailKind("kind").notNull(),
    to: text("to").notNull(),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    subject: text("subject").notNull(),
    preview: text("preview").notNull(),
    secret: text("secret"),
    provider: text("provider").notNull(),
    status: outboxStatus("status").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull(),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    index("email_outbox_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'queued'`),
    index("email_outbox_created_idx").on(t.createdAt),
  ],
);

/** URLs that receive alerts as signed POSTs: the fleet's (an admin's) or one merchant's. */
export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    merchantId: uuid("merchant_id").references(() => merchants.id),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    // The signing secret, sealed under the server secret (shown once, when created).
    secret: text("secret").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhooks_merchant_idx").on(t.merchantId)],
);

/** Each alert sent to a webhook: the exact body signed, its tries and the receiver's last answer. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    alertId: uuid("alert_id").references(() => alerts.id, { onDelete: "set null" }),
    event: text("event").notNull(),
    body: text("body").notNull(),
    status: outboxStatus("status").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull(),
    responseStatus: smallint("response_status"),
    latencyMs: integer("latency_ms"),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    index("webhook_deliveries_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'queued'`),
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt),
  ],
);

/** Single-use links sent by e-mail, stored only as a hash of their token. */
export const accountLinks = pgTable(
  "account_links",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: accountLinkKind("kind").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // The address an e-mail change moves to (the link went there).
    newEmail: text("new_email"),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [index("account_links_user_idx").on(t.userId, t.kind, t.createdAt)],
);

/** Password-reset requests by address (known or not), for the per-address limit. */
export const passwordResetRequests = pgTable(
  "password_reset_requests",
  {
    email: text("email").notNull(),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("password_reset_requests_email_idx").on(t.email, t.requestedAt)],
);
