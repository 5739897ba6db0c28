import { and, count, desc, eq, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db/client";
import { alertRecipients, alertRules, alerts, alertSubscriptions, merchants, notificationSettings, stores, terminals, users, type AlertRuleKind, type AlertSeverity, type UserRole } from "@/db/schema";
import { alertRuleKinds } from "@/db/schema/values";
import { Batcher, perDatabase } from "../batcher";
import { alertEmail, digestEmail } from "../email/templates";
import { consoleUrl } from "../email/links";
import { queueEmail } from "../email/outbox";
import { AppError, notFound } from "../errors";
import { localeOf, type Locale } from "../locales";
import { logger } from "../logger";
import { adminOnlyAlertKinds, type AlertListFilter, type AlertRuleInput, type AlertRuleUpdateInput, type NotificationSettingsInput } from "../schemas/alerts";
import { inScope, type Scope } from "../scope";
import { onShutdown } from "../shutdown";
import { queueSms } from "../sms/outbox";
import { smsProviderFromEnv } from "../sms/providers";
import { alertText } from "./alert-text";
import { checkInAlertKinds, conditionSql } from "./alert-conditions";
import { changedFields, recordAudit, type AuditActor } from "./audit";
import { localClock } from "./rollout-rules";
import { FLEET_EVENTS_CHANNEL, fleetEventPayload } from "./fleet-events";
import { queueWebhookDeliveries } from "./webhooks";
import { literalList, uuidArray } from "./sql-text";

/** Who is asking: rules are written by admins (any scope) and merchant owners (their merchant); everyone subscribes. */
export interface AlertViewer {
  id: string;
  role: UserRole;
  merchantId: string | null;
}

/** At most this many alerts are raised per kind and run, so a fleet-wide outage is raised over a few runs rather than in one huge transaction. */
const RAISE_LIMIT = 2_000;

// ---- Rules ----------------------------------------------------------------------------------

/**
 * The rules a person sees (and may subscribe to): all for an admin; for the others, their merchants'
 * own rules and the admins' rules that cover one of their merchants. Whatever they subscribe to,
 * an alert reaches them only about their own merchants (deliverRaised).
 */
function visibleRules(viewer: AlertViewer, scope: Scope): SQL {
  if (viewer.role === "admin" || scope.kind === "all") return sql`true`;
  const mine = `{${scope.merchantIds.join(",")}}`;
  return sql`(${inScope(alertRules.ownerMerchantId, scope)} or (${alertRules.ownerMerchantId} is null and ${alertRules.kind} not in ${literalList(adminOnlyAlertKinds)}
    and (cardinality(${alertRules.merchantIds}) = 0 or ${alertRules.merchantIds} && ${mine}::uuid[])))`;
}

function mayEdit(viewer: AlertViewer, rule: { ownerMerchantId: string | null }): boolean {
  return viewer.role === "admin" || (viewer.role === "merchant" && rule.ownerMerchantId !== null && rule.ownerMerchantId === viewer.merchantId);
}

export async function listRules(db: Db, viewer: AlertViewer, scope: Scope) {
  const admin = viewer.role === "admin" || scope.kind === "all";
  const mine = scope.kind === "all" ? "{}" : `{${scope.merchantIds.join(",")}}`;
  // Others see an admin's rule only as far as it concerns them: their merchants, their stores, their alerts.
  const rows = await db
    .select({
      rule: alertRules,
      ownerMerchantName: merchants.name,
      subscribed: sql<boolean>`exists (select 1 from alert_subscriptions s where s.rule_id = ${alertRules.id} and s.user_id = ${viewer.id})`,
      subscribers: admin ? sql<number | null>`(select count(*)::int from alert_subscriptions s where s.rule_id = ${alertRules.id})` : sql<number | null>`null::int`,
      openAlerts: admin
        ? sql<number>`(select count(*)::int from alerts a where a.rule_id = ${alertRules.id} and a.status = 'open')`
        : sql<number>`(select count(*)::int from alerts a where a.rule_id = ${alertRules.id} and a.status = 'open' and a.merchant_id = any(${mine}::uuid[]))`,
      merchantIds: admin ? alertRules.merchantIds : sql<string[]>`array(select unnest(${alertRules.merchantIds}) intersect select unnest(${mine}::uuid[]))`,
      storeIds: admin ? alertRules.storeIds : sql<string[]>`array(select s.id from stores s where s.id = any(${alertRules.storeIds}) and s.merchant_id = any(${mine}::uuid[]))`,
    })
    .from(alertRules)
    .leftJoin(merchants, eq(merchants.id, alertRules.ownerMerchantId))
    .where(visibleRules(viewer, scope))
    .orderBy(alertRules.name);
  return rows.map((r) => ({
    ...r.rule,
    merchantIds: r.merchantIds,
    storeIds: r.storeIds,
    ownerMerchantName: r.ownerMerchantName,
    subscribed: r.subscribed,
    subscribers: r.subscribers,
    openAlerts: r.openAlerts,
    editable: mayEdit(viewer, r.rule),
  }));
}

/** A rule's targets as the viewer may set them: a merchant owner's rule is their merchant's, with their stores only. */
async function ruleTargets(tx: Db, viewer: AlertViewer, input: AlertRuleInput) {
  if (viewer.role === "technician") throw new AppError("forbidden", "roleForbidden");
  if (viewer.role === "merchant" && adminOnlyAlertKinds.includes(input.kind)) throw new AppError("forbidden", "alertKindAdminOnly", {}, { field: "kind" });
  const ownerMerchantId = viewer.role === "merchant" ? viewer.merchantId : null;
  if (viewer.role === "merchant" && !ownerMerchantId) throw new AppError("forbidden", "roleForbidden");
  const merchantIds = ownerMerchantId ? [ownerMerchantId] : [...new Set(input.merchantIds)];
  if (merchantIds.length && !ownerMerchantId) {
    const found = await tx.select({ id: merchants.id }).from(merchants).where(inArray(merchants.id, merchantIds));
    if (found.length !== merchantIds.length) throw new AppError("invalid", "merchantGone", {}, { field: "merchantIds" });
  }
  const storeIds = [...new Set(input.storeIds)];
  if (storeIds.length) {
    const found = await tx
      .select({ id: stores.id })
      .from(stores)
      .where(and(inArray(stores.id, storeIds), merchantIds.length ? inArray(stores.merchantId, merchantIds) : undefined));
    if (found.length !== storeIds.length) throw new AppError("invalid", "alertStoresOutsideScope", {}, { field: "storeIds" });
  }
  return { ownerMerchantId, merchantIds, storeIds };
}

const ruleValues = (input: AlertRuleInput) => ({
  name: input.name,
  kind: input.kind,
  severity: input.severity,
  threshold: input.threshold,
  onlyWhenOpen: input.kind === "terminal_offline" && input.onlyWhenOpen,
  email: input.email,
  sms: input.sms,
  webhook: input.webhook,
  enabled: input.enabled,
});

/** Creates a rule; its author is its first subscriber. */
export async function createRule(db: Db, actor: AuditActor, viewer: AlertViewer, input: AlertRuleInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const targets = await ruleTargets(tx, viewer, input);
    const [rule] = await tx
      .insert(alertRules)
      .values({ ...ruleValues(input), ...targets, createdBy: viewer.id, createdAt: now, updatedAt: now })
      .returning();
    await tx.insert(alertSubscriptions).values({ ruleId: rule!.id, userId: viewer.id, createdAt: now });
    await recordAudit(tx, actor, { action: "alert_rule.created", entityType: "alert_rule", entityId: rule!.id, merchantId: targets.ownerMerchantId, changes: { name: rule!.name, kind: rule!.kind } });
    return rule!;
  });
}

async function editableRule(tx: Db, viewer: AlertViewer, scope: Scope, id: string) {
  const [rule] = await tx
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.id, id), visibleRules(viewer, scope)))
    .for("update");
  if (!rule) throw notFound("alertRule");
  if (!mayEdit(viewer, rule)) throw new AppError("forbidden", "roleForbidden");
  return rule;
}

export async function updateRule(db: Db, actor: AuditActor, viewer: AlertViewer, scope: Scope, input: AlertRuleUpdateInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const before = await editableRule(tx, viewer, scope, input.id);
    const targets = await ruleTargets(tx, viewer, input);
    const patch = { ...ruleValues(input), ...targets };
    const changes = changedFields(before, patch);
    const [after] = await tx
      .update(alertRules)
      .set({ ...patch, updatedAt: now })
      .where(eq(alertRules.id, before.id))
      .returning();
    // A changed condition starts over: its open alerts end, and the next evaluation raises what holds
    // under the new one. A new name, severity or channel leaves them open (they were raised once already).
    const conditionFields = ["kind", "threshold", "onlyWhenOpen", "merchantIds", "storeIds", "enabled"];
    if (conditionFields.some((field) => field in changes)) await resolveAlertsWhere(tx, eq(alerts.ruleId, before.id), now);
    else if ("severity" in changes)
      await tx
        .update(alerts)
        .set({ severity: input.severity })
        .where(and(eq(alerts.ruleId, before.id), eq(alerts.status, "open")));
    await recordAudit(tx, actor, { action: "alert_rule.updated", entityType: "alert_rule", entityId: before.id, merchantId: before.ownerMerchantId, changes });
    return after!;
  });
}

export async function deleteRule(db: Db, actor: AuditActor, viewer: AlertViewer, scope: Scope, id: string) {
  await db.transaction(async (tx) => {
    const rule = await editableRule(tx, viewer, scope, id);
    await tx.delete(alertRules).where(eq(alertRules.id, rule.id));
    await recordAudit(tx, actor, { action: "alert_rule.deleted", entityType: "alert_rule", entityId: rule.id, merchantId: rule.ownerMerchantId, changes: { name: rule.name, kind: rule.kind } });
  });
}

/** Subscribes the viewer to a rule they can see, or unsubscribes them. */
export async function setSubscription(db: Db, viewer: AlertViewer, scope: Scope, ruleId: string, subscribed: boolean, now: Date = new Date()) {
  const [rule] = await db
    .select({ id: alertRules.id })
    .from(alertRules)
    .where(and(eq(alertRules.id, ruleId), visibleRules(viewer, scope)));
  if (!rule) throw notFound("alertRule");
  if (subscribed) await db.insert(alertSubscriptions).values({ ruleId, userId: viewer.id, createdAt: now }).onConflictDoNothing();
  else await db.delete(alertSubscriptions).where(and(eq(alertSubscriptions.ruleId, ruleId), eq(alertSubscriptions.userId, viewer.id)));
  return { subscribed };
}

// ---- Evaluation -----------------------------------------------------------------------------

type RaisedAlert = { id: string; rule_id: string; merchant_id: string | null };

async function resolveAlertsWhere(tx: Db, where: SQL | undefined, now: Date) {
  const resolved = await tx
    .update(alerts)
    .set({ status: "resolved", resolvedAt: now })
    .where(and(eq(alerts.status, "open"), where))
    .returning({ merchantId: alerts.merchantId });
  if (resolved.length)
    await notifyAlertsChanged(
      tx,
      resolved.map((r) => r.merchantId),
    );
  return resolved.length;
}

/** Tells the consoles that alerts of these merchants (null: the fleet's own) were raised or resolved; sent on commit. */
async function notifyAlertsChanged(tx: Db, merchantIds: (string | null)[]) {
  const payload = merchantIds.includes(null) ? JSON.stringify({ type: "alerts", all: true }) : fleetEventPayload({ type: "alerts", merchantIds: [...new Set(merchantIds as string[])] });
  await tx.execute(sql`select pg_notify(${FLEET_EVENTS_CHANNEL}, ${payload})`);
}

/**
 * Brings one kind's alerts in line with its condition: raises an alert for each row that holds and
 * has none open (the partial unique index keeps it one per rule and subject, whoever evaluates at
 * the same moment), resolves the open ones whose row is gone, and delivers what was raised, all in
 * one transaction. `terminalIds` limits both to those terminals (a batch of check-ins).
 */
export async function applyCondition(db: Db, kind: AlertRuleKind, now: Date, terminalIds?: string[]): Promise<{ raised: number; resolved: number }> {
  return db.transaction(async (tx) => {
    const at = now.toISOString();
    const onlyThese = terminalIds ? sql`and a.terminal_id = any(${uuidArray(terminalIds)})` : sql``;
    const [result] = await queryRows<{ raised: RaisedAlert[]; resolved: { merchant_id: string | null }[] }>(
      tx,
      sql`with cond as materialized (${conditionSql(kind, { now, terminalIds })}),
        fresh as (
          select cond.* from cond join alert_rules r on r.id = cond.rule_id
          where not exists (select 1 from alerts a where a.rule_id = cond.rule_id and a.subject_key = cond.subject_key and a.status = 'open')
          limit ${RAISE_LIMIT}
        ),
        raised as (
          insert into alerts (rule_id, kind, severity, subject_key, merchant_id, store_id, terminal_id, params, raised_at)
          select f.rule_id, ${kind}, r.severity, f.subject_key, f.merchant_id, f.store_id, f.terminal_id, f.params, ${at}::timestamptz
          from fresh f join alert_rules r on r.id = f.rule_id
          on conflict do nothing
          returning id, rule_id, merchant_id
        ),
        resolved as (
          update alerts a set status = 'resolved', resolved_at = ${at}::timestamptz
          where a.kind = ${kind} and a.status = 'open' ${onlyThese}
            and not exists (select 1 from cond where cond.rule_id = a.rule_id and cond.subject_key = a.subject_key)
          returning a.merchant_id
        )
      select coalesce((select json_agg(raised) from raised), '[]') as raised, coalesce((select json_agg(resolved) from resolved), '[]') as resolved`,
    );
    const raised = result?.raised ?? [];
    const resolved = result?.resolved ?? [];
    if (raised.length) await deliverRaised(tx, raised, now);
    if (raised.length || resolved.length) await notifyAlertsChanged(tx, [...raised.map((a) => a.merchant_id), ...resolved.map((a) => a.merchant_id)]);
    return { raised: raised.length, resolved: resolved.length };
  });
}

/** Every kind that has an enabled rule, in turn; the open alerts of disabled rules end. The "evaluate-alerts" job. */
export async function evaluateAlerts(db: Db, now: Date = new Date()): Promise<{ raised: number; resolved: number }> {
  const total = { raised: 0, resolved: 0 };
  total.resolved += await resolveAlertsWhere(db, sql`${alerts.ruleId} in (select id from alert_rules where not enabled)`, now);
  const kinds = await db.selectDistinct({ kind: alertRules.kind }).from(alertRules).where(eq(alertRules.enabled, true));
  const failed: AlertRuleKind[] = [];
  for (const { kind } of kinds.sort((a, b) => alertRuleKinds.indexOf(a.kind) - alertRuleKinds.indexOf(b.kind))) {
    // One kind failing (its delivery misconfigured, say) must not stop the others.
    try {
      const { raised, resolved } = await applyCondition(db, kind, now);
      total.raised += raised;
      total.resolved += resolved;
    } catch (error) {
      logger.error({ err: error, kind }, "alert evaluation failed for one kind");
      failed.push(kind);
    }
  }
  if (failed.length) throw new Error(`Alert evaluation failed for ${failed.join(", ")}; the other kinds were evaluated.`);
  return total;
}

// ---- Delivery -------------------------------------------------------------------------------

type Recipient = {
  alert_id: string;
  user_id: string;
  email: string;
  email_mode: "immediate" | "hourly" | "daily" | "off";
  sms_mode: "critical" | "all" | "off";
  phone: string | null;
  quiet_from: string | null;
  quiet_until: string | null;
  time_zone: string;
  locale: string;
};

type RaisedDetail = {
  id: string;
  kind: AlertRuleKind;
  severity: AlertSeverity;
  params: Record<string, string | number>;
  raised_at: string;
  merchant_id: string | null;
  merchant_name: string | null;
  store_id: string | null;
  store_name: string | null;
  serial_number: string | null;
  owner_merchant_id: string | null;
  owner_language: string;
  email: boolean;
  sms: boolean;
  webhook: boolean;
};

/** Whether `at` falls in a person's quiet hours (which may wrap past midnight). */
export function inQuietHours(at: Date, s: { quietFrom: string | null; quietUntil: string | null; timeZone: string }): boolean {
  if (!s.quietFrom || !s.quietUntil) return false;
  const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const { minute } = localClock(at, s.timeZone);
  const from = minuteOf(s.quietFrom);
  const until = minuteOf(s.quietUntil);
  return from < until ? minute >= from && minute < until : minute >= from || minute < until;
}

/** A phone gets at most this many alert SMS an hour, so a flapping terminal cannot flood it (the rest still reach the inbox and e-mail). */
export const ALERT_SMS_PER_PHONE_PER_HOUR = 5;

async function alertSmsWithinLimit(tx: Db, phone: string, now: Date): Promise<boolean> {
  // Counted under a per-phone lock, so two evaluations at once cannot both take the last one.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`alert-sms:${phone}`}))`);
  const [row] = await queryRows<{ n: number }>(
    tx,
    sql`select count(*)::int as n from sms_outbox where template = 'alert' and "to" = ${phone} and created_at > ${now.toISOString()}::timestamptz - interval '1 hour'`,
  );
  return (row?.n ?? 0) < ALERT_SMS_PER_PHONE_PER_HOUR;
}

/** The link to an alert in the console. */
const alertLink = (alertId: string) => consoleUrl(`/alerts?alert=${alertId}`);

/**
 * Delivers newly raised alerts inside their transaction: an inbox entry for each subscriber who may
 * see the alert (a work order's assignment reaches its technician alone), then e-mail at once or in
 * the next digest, SMS for the chosen severities, and the rule owner's webhooks. Quiet hours hold
 * e-mail for the digest after them and skip SMS; critical alerts ignore them.
 */
async function deliverRaised(tx: Db, raised: RaisedAlert[], now: Date) {
  const ids = `{${raised.map((a) => a.id).join(",")}}`;
  const details = await queryRows<RaisedDetail>(
    tx,
    sql`select a.id, a.kind, a.severity, a.params, a.raised_at, a.merchant_id, m.name as merchant_name, a.store_id, s.name as store_name, t.serial_number,
        r.owner_merchant_id, coalesce(om.language, 'en') as owner_language, r.email, r.sms, r.webhook
      from alerts a join alert_rules r on r.id = a.rule_id left join merchants om on om.id = r.owner_merchant_id
      left join merchants m on m.id = a.merchant_id left join stores s on s.id = a.store_id left join terminals t on t.id = a.terminal_id
      where a.id = any(${ids}::uuid[])`,
  );
  const recipients = await queryRows<Recipient>(
    tx,
    sql`insert into alert_recipients (alert_id, user_id)
      select a.id, u.id from alerts a
      join users u on not u.disabled and (
        (a.kind = 'work_order_assigned' and u.id = split_part(a.subject_key, ':', 2))
        or (a.kind <> 'work_order_assigned' and u.id in (select user_id from alert_subscriptions where rule_id = a.rule_id)))
      where a.id = any(${ids}::uuid[]) and (u.role = 'admin'
        or (a.merchant_id is not null and u.role = 'merchant' and u.merchant_id = a.merchant_id)
        or (a.merchant_id is not null and u.role = 'technician' and exists (select 1 from technician_assignments ta where ta.technician_id = u.id and ta.merchant_id = a.merchant_id)))
      on conflict do nothing
      returning alert_id, user_id,
        (select email from users where id = user_id) as email,
        coalesce((select email_mode::text from notification_settings where user_id = alert_recipients.user_id), 'immediate') as email_mode,
        coalesce((select sms_mode::text from notification_settings where user_id = alert_recipients.user_id), 'critical') as sms_mode,
        (select phone from notification_settings where user_id = alert_recipients.user_id) as phone,
        (select quiet_from from notification_settings where user_id = alert_recipients.user_id) as quiet_from,
        (select quiet_until from notification_settings where user_id = alert_recipients.user_id) as quiet_until,
        coalesce((select time_zone from notification_settings where user_id = alert_recipients.user_id), 'Asia/Shanghai') as time_zone,
        coalesce((select locale from notification_settings where user_id = alert_recipients.user_id),
          (select m.language::text from users u2 join merchants m on m.id = u2.merchant_id where u2.id = alert_recipients.user_id), 'en') as locale`,
  );
  const byId = new Map(details.map((d) => [d.id, d]));
  const digestLater: { alertId: string; userId: string }[] = [];
  const smsProvider = recipients.some((r) => r.phone) ? smsProviderFromEnv() : null;
  for (const r of recipients) {
    const alert = byId.get(r.alert_id)!;
    const critical = alert.severity === "critical";
    const quiet = !critical && inQuietHours(now, { quietFrom: r.quiet_from, quietUntil: r.quiet_until, timeZone: r.time_zone });
    const locale = localeOf(r.locale);
    const text = alertText(locale, alert);
    if (alert.email && r.email_mode !== "off") {
      // Critical alerts go at once, whatever the person's digest and quiet hours.
      if ((r.email_mode === "immediate" && !quiet) || critical) {
        await queueEmail(
          tx,
          { to: r.email, ...alertEmail(locale, { title: text.title, message: text.message, severity: alert.severity, url: alertLink(alert.id) }) },
          { kind: "alert", userId: r.user_id },
          now,
        );
      } else digestLater.push({ alertId: alert.id, userId: r.user_id });
    }
    const smsWanted = r.sms_mode === "all" || (r.sms_mode === "critical" && critical);
    if (alert.sms && smsWanted && r.phone && !quiet && smsProvider?.supports?.("alert") !== false && (await alertSmsWithinLimit(tx, r.phone, now))) {
      const body = `${locale === "zh-CN" ? "【POS Fleet】" : "[POS Fleet] "}${text.title}: ${text.message}`;
      await queueSms(tx, { to: r.phone, body, template: "alert", params: { message: text.message } }, { merchantId: alert.merchant_id }, smsProvider!.name, now);
    }
  }
  if (digestLater.length) {
    await tx
      .update(alertRecipients)
      .set({ digestPending: true })
      .where(or(...digestLater.map((d) => and(eq(alertRecipients.alertId, d.alertId), eq(alertRecipients.userId, d.userId)))));
  }
  for (const alert of details) {
    if (!alert.webhook) continue;
    // In the language of the webhook's owner: the merchant's for its own rules, English for the fleet's.
    const text = alertText(localeOf(alert.owner_language), alert);
    await queueWebhookDeliveries(
      tx,
      { merchantId: alert.owner_merchant_id },
      {
        id: alert.id,
        type: alert.kind,
        severity: alert.severity,
        occurredAt: new Date(alert.raised_at).toISOString(),
        merchant: alert.merchant_id ? { id: alert.merchant_id, name: alert.merchant_name ?? "" } : null,
        store: alert.store_id ? { id: alert.store_id, name: alert.store_name ?? "" } : null,
        terminal: alert.serial_number ? { serialNumber: alert.serial_number } : null,
        message: text.message,
        url: alertLink(alert.id),
      },
      alert.id,
      now,
    );
  }
}

/**
 * Sends each person with alerts waiting a digest once their period is over and they are outside
 * quiet hours (alerts held by quiet hours go out as a digest when they end). Taking the pending
 * entries is one atomic update per person, so a digest holds each alert once. The "send-alert-digests" job.
 */
export async function sendAlertDigests(db: Db, now: Date = new Date()): Promise<{ digests: number }> {
  const waiting = await queryRows<{
    user_id: string;
    email: string;
    email_mode: string;
    last_digest_at: string | null;
    quiet_from: string | null;
    quiet_until: string | null;
    time_zone: string;
    locale: string;
  }>(
    db,
    sql`select u.id as user_id, u.email, coalesce(n.email_mode::text, 'immediate') as email_mode, n.last_digest_at, n.quiet_from, n.quiet_until,
        coalesce(n.time_zone, 'Asia/Shanghai') as time_zone, coalesce(n.locale, m.language::text, 'en') as locale
      from (select distinct user_id from alert_recipients where digest_pending) p
      join users u on u.id = p.user_id left join notification_settings n on n.user_id = u.id left join merchants m on m.id = u.merchant_id`,
  );
  let digests = 0;
  for (const person of waiting) {
    if (inQuietHours(now, { quietFrom: person.quiet_from, quietUntil: person.quiet_until, timeZone: person.time_zone })) continue;
    const period = person.email_mode === "daily" ? 86_400_000 : person.email_mode === "hourly" ? 3_600_000 : 0;
    if (person.last_digest_at && now.getTime() - new Date(person.last_digest_at).getTime() < period) continue;
    await db.transaction(async (tx) => {
      const taken = await queryRows<{ id: string; kind: AlertRuleKind; severity: AlertSeverity; params: Record<string, string | number>; raised_at: string }>(
        tx,
        sql`with taken as (update alert_recipients set digest_pending = false where user_id = ${person.user_id} and digest_pending returning alert_id)
          select a.id, a.kind, a.severity, a.params, a.raised_at from alerts a join taken on taken.alert_id = a.id order by a.raised_at`,
      );
      if (!taken.length) return;
      const locale = localeOf(person.locale);
      const items = taken.map((a) => ({ ...alertText(locale, a), severity: a.severity, url: alertLink(a.id), raisedAt: new Date(a.raised_at) }));
      const message = digestEmail(locale, { period: person.email_mode === "daily" ? "daily" : "hourly", alerts: items, url: consoleUrl("/alerts"), timeZone: person.time_zone });
      await queueEmail(tx, { to: person.email, ...message }, { kind: "digest", userId: person.user_id }, now);
      await tx
        .insert(notificationSettings)
        .values({ userId: person.user_id, lastDigestAt: now, locale })
        .onConflictDoUpdate({ target: notificationSettings.userId, set: { lastDigestAt: now } });
      digests++;
    });
  }
  return { digests };
}

// ---- From the heartbeat writer ---------------------------------------------------------------

/** Which check-in kinds have enabled rules, re-read at most this often (rules change rarely; heartbeats are many). */
const RULE_KINDS_TTL_MS = 10_000;

/**
 * Evaluates the check-in kinds for the terminals of the heartbeat writer's batches, after their
 * answers went out: one statement per kind with rules and batch (never per heartbeat), one batch at
 * a time per instance, so a burst of check-ins becomes a few larger evaluations.
 */
const checkInEvaluator = perDatabase((db: Db) => {
  let kinds: { at: number; list: Promise<AlertRuleKind[]> } | null = null;
  const activeKinds = () => {
    if (!kinds || Date.now() - kinds.at > RULE_KINDS_TTL_MS) {
      const list = db
        .selectDistinct({ kind: alertRules.kind })
        .from(alertRules)
        .where(and(eq(alertRules.enabled, true), inArray(alertRules.kind, [...checkInAlertKinds])))
        .then((rows) => rows.map((r) => r.kind));
      kinds = { at: Date.now(), list };
      list.catch(() => (kinds = null));
    }
    return kinds.list;
  };
  const batcher = new Batcher(
    async (batches: { terminalIds: string[]; at: Date }[]) => {
      const terminalIds = [...new Set(batches.flatMap((b) => b.terminalIds))];
      const now = batches[batches.length - 1]!.at;
      for (const kind of await activeKinds()) await applyCondition(db, kind, now, terminalIds);
      return batches.map(() => undefined);
    },
    { name: "alert-checks", maxBatch: 50, concurrency: 1, maxQueue: 1_000 },
  );
  onShutdown("alert checks", () => batcher.drained());
  return { batcher, activeKinds };
});

/** Called with the terminals of a stored batch of check-ins whose alerts could change (recordCheckIns' alertCandidates); never delays or fails the heartbeats. */
export function checkInAlerts(db: Db, terminalIds: string[], at: Date): void {
  const evaluator = checkInEvaluator(db);
  void evaluator
    .activeKinds()
    .then((kinds) => (kinds.length ? evaluator.batcher.add({ terminalIds, at }) : undefined))
    .catch((error: unknown) => logger.warn({ err: error }, "alert checks for check-ins failed; the evaluate-alerts job covers them"));
}

// ---- The inbox ------------------------------------------------------------------------------

/**
 * Alerts a person may see: all for an admin; their merchants' for the others (the fleet's own are
 * admins'). A work order's assignment is its technician's own ("assigned to you"), listed only for them.
 */
function visibleAlerts(viewer: AlertViewer, scope: Scope): SQL {
  const personal = sql`(${alerts.kind} <> 'work_order_assigned' or ${alerts.subjectKey} like ${`%:${viewer.id}`})`;
  return viewer.role === "admin" ? personal : and(inScope(alerts.merchantId, scope), personal)!;
}

export async function listAlerts(db: Db, viewer: AlertViewer, scope: Scope, input: AlertListFilter) {
  const mine = sql`(select r.read_at from alert_recipients r where r.alert_id = ${alerts.id} and r.user_id = ${viewer.id})`;
  const received = sql`exists (select 1 from alert_recipients r where r.alert_id = ${alerts.id} and r.user_id = ${viewer.id})`;
  const where = and(
    visibleAlerts(viewer, scope),
    input.id ? eq(alerts.id, input.id) : undefined,
    input.id || input.status === "all" ? undefined : eq(alerts.status, input.status),
    input.kind ? eq(alerts.kind, input.kind) : undefined,
    input.severity ? eq(alerts.severity, input.severity) : undefined,
    input.unread ? sql`exists (select 1 from alert_recipients r where r.alert_id = ${alerts.id} and r.user_id = ${viewer.id} and r.read_at is null)` : undefined,
    input.acknowledged === undefined ? undefined : input.acknowledged ? sql`${alerts.acknowledgedAt} is not null` : isNull(alerts.acknowledgedAt),
    input.q ? sql`(${alerts.params}::text ilike ${`%${input.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} or ${merchants.name} ilike ${`%${input.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`})` : undefined,
  );
  const rows = await db
    .select({
      id: alerts.id,
      kind: alerts.kind,
      severity: alerts.severity,
      status: alerts.status,
      params: alerts.params,
      raisedAt: alerts.raisedAt,
      resolvedAt: alerts.resolvedAt,
      acknowledgedAt: alerts.acknowledgedAt,
      acknowledgedByName: users.name,
      acknowledgementNote: alerts.acknowledgementNote,
      merchantId: alerts.merchantId,
      merchantName: merchants.name,
      storeName: stores.name,
      serialNumber: terminals.serialNumber,
      ruleName: alertRules.name,
      received: sql<boolean>`${received}`,
      readAt: sql<Date | null>`${mine}`.mapWith(alerts.raisedAt),
    })
    .from(alerts)
    .innerJoin(alertRules, eq(alertRules.id, alerts.ruleId))
    .leftJoin(merchants, eq(merchants.id, alerts.merchantId))
    .leftJoin(stores, eq(stores.id, alerts.storeId))
    .leftJoin(terminals, eq(terminals.id, alerts.terminalId))
    .leftJoin(users, eq(users.id, alerts.acknowledgedBy))
    .where(where)
    .orderBy(desc(alerts.raisedAt), desc(alerts.id))
    .limit(input.pageSize)
    .offset((input.page - 1) * input.pageSize);
  const [total] = await db.select({ n: count() }).from(alerts).leftJoin(merchants, eq(merchants.id, alerts.merchantId)).where(where);
  return { items: rows.map((r) => ({ ...r, unread: r.received && r.readAt === null })), total: total?.n ?? 0, page: input.page, pageSize: input.pageSize };
}

/** The alerts that reached the person, are not read yet and are still theirs to see (the navigation's badge). */
export async function unreadAlertCount(db: Db, viewer: AlertViewer, scope: Scope): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(alertRecipients)
    .innerJoin(alerts, eq(alerts.id, alertRecipients.alertId))
    .where(and(eq(alertRecipients.userId, viewer.id), isNull(alertRecipients.readAt), visibleAlerts(viewer, scope)));
  return row?.n ?? 0;
}

export async function markAlertsRead(db: Db, viewerId: string, which: { ids: string[] } | { all: true }, now: Date = new Date()) {
  const updated = await db
    .update(alertRecipients)
    .set({ readAt: now })
    .where(and(eq(alertRecipients.userId, viewerId), isNull(alertRecipients.readAt), "ids" in which ? inArray(alertRecipients.alertId, which.ids) : undefined))
    .returning({ alertId: alertRecipients.alertId });
  return { marked: updated.length };
}

/** Acknowledges an alert with an optional note (someone is on it); it stays open until its condition ends. */
export async function acknowledgeAlert(db: Db, actor: AuditActor, viewer: AlertViewer, scope: Scope, input: { id: string; note: string }, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const [alert] = await tx
      .select({ id: alerts.id, merchantId: alerts.merchantId, acknowledgedAt: alerts.acknowledgedAt, kind: alerts.kind, params: alerts.params })
      .from(alerts)
      .where(and(eq(alerts.id, input.id), visibleAlerts(viewer, scope)))
      .for("update");
    if (!alert) throw notFound("alert");
    if (alert.acknowledgedAt) throw new AppError("conflict", "alertAlreadyAcknowledged");
    await tx
      .update(alerts)
      .set({ acknowledgedAt: now, acknowledgedBy: viewer.id, acknowledgementNote: input.note || null })
      .where(eq(alerts.id, alert.id));
    await tx
      .update(alertRecipients)
      .set({ readAt: now })
      .where(and(eq(alertRecipients.alertId, alert.id), eq(alertRecipients.userId, viewer.id), isNull(alertRecipients.readAt)));
    await recordAudit(tx, actor, {
      action: "alert.acknowledged",
      entityType: "alert",
      entityId: alert.id,
      merchantId: alert.merchantId,
      changes: { kind: alert.kind, ...alert.params, note: input.note || null },
    });
    await notifyAlertsChanged(tx, [alert.merchantId]);
    return { acknowledgedAt: now };
  });
}

// ---- Notification settings -------------------------------------------------------------------

export async function getNotificationSettings(db: Db, viewer: AlertViewer) {
  const [saved] = await db.select().from(notificationSettings).where(eq(notificationSettings.userId, viewer.id));
  if (saved)
    return {
      emailMode: saved.emailMode,
      smsMode: saved.smsMode,
      phone: saved.phone,
      quietFrom: saved.quietFrom,
      quietUntil: saved.quietUntil,
      timeZone: saved.timeZone,
      locale: localeOf(saved.locale),
    };
  const [merchant] = viewer.merchantId ? await db.select({ language: merchants.language }).from(merchants).where(eq(merchants.id, viewer.merchantId)) : [];
  return {
    emailMode: "immediate" as const,
    smsMode: "critical" as const,
    phone: null,
    quietFrom: null,
    quietUntil: null,
    timeZone: "Asia/Shanghai",
    locale: localeOf(merchant?.language ?? "en") as Locale,
  };
}

export async function saveNotificationSettings(db: Db, actor: AuditActor, viewer: AlertViewer, input: NotificationSettingsInput, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const before = await getNotificationSettings(tx, viewer);
    const values = { ...input, updatedAt: now };
    await tx
      .insert(notificationSettings)
      .values({ userId: viewer.id, ...values })
      .onConflictDoUpdate({ target: notificationSettings.userId, set: values });
    const changes = changedFields(before, input);
    if (Object.keys(changes).length) await recordAudit(tx, actor, { action: "user.notification_settings_changed", entityType: "user", entityId: viewer.id, merchantId: viewer.merchantId, changes });
    return input;
  });
}
