import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import type { AlertRuleKind } from "@/db/schema/values";
import { alertRuleInput, notificationSettingsInput } from "@/server/schemas/alerts";
import { scopeForUser } from "@/server/scope";
import {
  acknowledgeAlert,
  ALERT_SMS_PER_PHONE_PER_HOUR,
  applyCondition,
  createRule,
  evaluateAlerts,
  listAlerts,
  listRules,
  updateRule,
  saveNotificationSettings,
  sendAlertDigests,
  setSubscription,
  unreadAlertCount,
  type AlertViewer,
} from "@/server/services/alerts";
import { recordCheckIns } from "@/server/services/heartbeat";
import { deliverDueSms } from "@/server/sms/outbox";
import { smsProviderFromEnv } from "@/server/sms/providers";
import { createTestDatabase, FIXED_NOW } from "../helpers/db";

let handle: DbHandle;
const db = () => handle.db;
const minutes = (n: number) => new Date(FIXED_NOW.getTime() + n * 60_000);

async function person(email: string): Promise<AlertViewer & { actor: { id: string; label: string; ip: null } }> {
  const [u] = await queryRows<{ id: string; role: AlertViewer["role"]; merchant_id: string | null }>(db(), sql`select id, role, merchant_id from users where email = ${email}`);
  return { id: u!.id, role: u!.role, merchantId: u!.merchant_id, actor: { id: u!.id, label: email, ip: null } };
}
const admin = () => person("admin@demo.posfleet.dev");
const tech = () => person("tech@demo.posfleet.dev");
const coffeeOwner = () => person("owner@demo.posfleet.dev");
const bakeryOwner = () => person("owner2@demo.posfleet.dev");

async function rule(by: AlertViewer & { actor: { id: string; label: string; ip: null } }, fields: { kind: AlertRuleKind; threshold?: number; [k: string]: unknown }) {
  return createRule(db(), by.actor, by, alertRuleInput.parse({ name: `${fields.kind} rule`, severity: "warning", ...fields }), FIXED_NOW);
}

const openAlerts = (ruleId: string) =>
  queryRows<{ subject_key: string; serial: string | null; merchant: string | null; params: Record<string, unknown> }>(
    db(),
    sql`select a.subject_key, t.serial_number as serial, m.name as merchant, a.params from alerts a left join terminals t on t.id = a.terminal_id left join merchants m on m.id = a.merchant_id
      where a.rule_id = ${ruleId} and a.status = 'open' order by t.serial_number, a.subject_key`,
  );
const alertCount = async (ruleId: string) => (await queryRows<{ n: number }>(db(), sql`select count(*)::int as n from alerts where rule_id = ${ruleId}`))[0]!.n;
const emailsTo = async (email: string, kind = "alert") => (await queryRows<{ n: number }>(db(), sql`select count(*)::int as n from email_outbox where "to" = ${email} and kind = ${kind}`))[0]!.n;
const terminalId = async (serial: string) => (await queryRows<{ id: string; merchant_id: string }>(db(), sql`select id, merchant_id from terminals where serial_number = ${serial}`))[0]!;

async function checkIn(serial: string, at: Date, report: { batteryPercent?: number; errors?: { code: string }[] } = {}) {
  const t = await terminalId(serial);
  await recordCheckIns(db(), [{ device: { terminalId: t.id, merchantId: t.merchant_id } as never, report: { firmwareVersion: "1.0.0", ...report }, at }]);
}

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => handle?.close());
// Each test starts without rules, alerts or queued e-mail.
beforeEach(async () => {
  for (const table of ["alert_rules", "email_outbox", "notification_settings", "webhook_deliveries", "webhooks", "sms_outbox"]) await db().execute(sql`delete from ${sql.identifier(table)}`);
});

describe("rule kinds raise once, and resolve when the condition ends", () => {
  it("terminal offline: raised per terminal once, resolved by its check-in (from the check-in batch itself)", async () => {
    const offline = await rule(await admin(), { kind: "terminal_offline", threshold: 30 });
    expect(await evaluateAlerts(db(), FIXED_NOW)).toMatchObject({ raised: expect.any(Number) });
    const serials = (await openAlerts(offline.id)).map((a) => a.serial);
    expect(serials).toEqual(expect.arrayContaining(["DEMO-0038", "DEMO-0040"]));
    const first = await alertCount(offline.id);
    // Evaluating again (or from another instance) raises nothing new.
    await evaluateAlerts(db(), minutes(1));
    expect(await alertCount(offline.id)).toBe(first);
    // DEMO-0038 checks in: the batch's own evaluation resolves its alert, the others stay open.
    await checkIn("DEMO-0038", minutes(2));
    await applyCondition(db(), "terminal_offline", minutes(2), [(await terminalId("DEMO-0038")).id]);
    const after = (await openAlerts(offline.id)).map((a) => a.serial);
    expect(after).not.toContain("DEMO-0038");
    expect(after).toContain("DEMO-0040");
    // Silent again past the threshold: a new alert, the old one stays resolved.
    await evaluateAlerts(db(), minutes(40));
    expect((await openAlerts(offline.id)).map((a) => a.serial)).toContain("DEMO-0038");
    const id38 = (await terminalId("DEMO-0038")).id;
    const history = await queryRows<{ status: string }>(db(), sql`select status::text from alerts where rule_id = ${offline.id} and subject_key = ${id38} order by raised_at`);
    expect(history.map((h) => h.status)).toEqual(["resolved", "open"]);
  });

  it("terminal offline only while the store is open: nothing at 02:00 in Shanghai, raised when it opens", async () => {
    const owner = await coffeeOwner();
    const nightRule = await rule(owner, { kind: "terminal_offline", threshold: 30, onlyWhenOpen: true });
    const night = new Date("2026-11-20T18:00:00Z"); // 02:00 Asia/Shanghai, every demo store closed
    await evaluateAlerts(db(), night);
    expect(await openAlerts(nightRule.id)).toEqual([]);
    const morning = new Date("2026-11-21T01:00:00Z"); // 09:00 Asia/Shanghai
    await evaluateAlerts(db(), morning);
    const raised = await openAlerts(nightRule.id);
    expect(raised.map((a) => a.serial)).toContain("DEMO-0040");
    expect(new Set(raised.map((a) => a.merchant))).toEqual(new Set(["Demo Coffee"]));
  });

  it("low battery: raised below the threshold, resolved when a check-in reports more", async () => {
    const low = await rule(await admin(), { kind: "low_battery", threshold: 15 });
    await evaluateAlerts(db(), FIXED_NOW);
    expect((await openAlerts(low.id)).map((a) => [a.serial, a.params.battery])).toContainEqual(["DEMO-0039", 9]);
    await checkIn("DEMO-0039", minutes(1), { batteryPercent: 80 });
    await applyCondition(db(), "low_battery", minutes(1), [(await terminalId("DEMO-0039")).id]);
    expect((await openAlerts(low.id)).map((a) => a.serial)).not.toContain("DEMO-0039");
    await db().execute(sql`update terminals set battery_percent = 9 where serial_number = 'DEMO-0039'`);
  });

  it("errors reported: counted over the last hour of check-ins, resolved once the hour has passed", async () => {
    const errors = await rule(await admin(), { kind: "errors_reported", threshold: 3 });
    for (const at of [minutes(-20), minutes(-10), minutes(0)]) await checkIn("DEMO-0012", at, { errors: [{ code: "PRINTER_JAM" }] });
    await applyCondition(db(), "errors_reported", FIXED_NOW, [(await terminalId("DEMO-0012")).id]);
    expect((await openAlerts(errors.id)).map((a) => [a.serial, a.params.count])).toEqual([["DEMO-0012", 3]]);
    await evaluateAlerts(db(), minutes(5));
    expect(await alertCount(errors.id)).toBe(1);
    await evaluateAlerts(db(), minutes(70));
    expect(await openAlerts(errors.id)).toEqual([]);
  });

  it("tamper check, rollout paused, work orders and training follow their records", async () => {
    const a = await admin();
    const tamper = await rule(a, { kind: "tamper_failed" });
    const paused = await rule(a, { kind: "rollout_paused" });
    const overdue = await rule(a, { kind: "work_order_overdue" });
    const training = await rule(a, { kind: "training_expiring", threshold: 60 });
    const sms = await rule(a, { kind: "sms_failing", threshold: 1 });
    const [order] = await queryRows<{ id: string }>(
      db(),
      sql`update work_orders set tamper_alert = true where id = (select id from work_orders where status = 'open' order by number limit 1) returning id`,
    );
    const [rollout] = await queryRows<{ id: string }>(
      db(),
      sql`update rollouts set status = 'paused', pause_reason = 'failure_threshold' where id = (select id from rollouts where status = 'running' limit 1) returning id`,
    );
    await db().execute(
      sql`insert into sms_outbox ("to", template, preview, provider, status, merchant_id, created_at) select '+8613800138000', 'notice', 'x', 'console', 'failed', id, ${minutes(-5).toISOString()}::timestamptz from merchants where name = 'Other Bakery'`,
    );
    await evaluateAlerts(db(), FIXED_NOW);
    expect((await openAlerts(tamper.id)).map((x) => x.subject_key)).toEqual([order!.id]);
    expect((await openAlerts(paused.id)).map((x) => x.params.rollout)).toEqual([expect.any(String)]);
    expect((await openAlerts(overdue.id)).length).toBeGreaterThan(0);
    expect((await openAlerts(training.id)).length).toBeGreaterThan(0);
    expect((await openAlerts(sms.id)).map((x) => [x.merchant, x.params.count])).toEqual([["Other Bakery", 1]]);
    // Each condition ends: the work order is done, the rollout resumes, the failure is more than an
    // hour old, an overdue work order is cancelled, a training pass is renewed.
    const [late] = await openAlerts(overdue.id);
    const [expiring] = await openAlerts(training.id);
    await db().execute(sql`update work_orders set status = 'done' where id = ${order!.id}`);
    await db().execute(sql`update rollouts set status = 'running' where id = ${rollout!.id}`);
    await db().execute(sql`update work_orders set status = 'cancelled' where id = ${late!.subject_key}::uuid`);
    await db().execute(sql`update training_records set expires_on = expires_on + 400 where id = ${expiring!.subject_key}::uuid`);
    await evaluateAlerts(db(), minutes(90));
    expect(await openAlerts(tamper.id)).toEqual([]);
    expect(await openAlerts(paused.id)).toEqual([]);
    expect(await openAlerts(sms.id)).toEqual([]);
    expect((await openAlerts(overdue.id)).map((x) => x.subject_key)).not.toContain(late!.subject_key);
    expect((await openAlerts(training.id)).map((x) => x.subject_key)).not.toContain(expiring!.subject_key);
  });

  it("a work order's assignment reaches its technician alone", async () => {
    const a = await admin();
    const t = await tech();
    const assigned = await rule(a, { kind: "work_order_assigned" });
    await evaluateAlerts(db(), FIXED_NOW);
    const keys = (await openAlerts(assigned.id)).map((x) => x.subject_key);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.endsWith(`:${t.id}`))).toBe(true);
    const reached = await queryRows<{ user_id: string }>(db(), sql`select distinct r.user_id from alert_recipients r join alerts a on a.id = r.alert_id where a.rule_id = ${assigned.id}`);
    expect(reached.map((r) => r.user_id)).toEqual([t.id]);
    // Unassigned, the work order's alert resolves.
    const workOrderId = keys[0]!.split(":")[0]!;
    await db().execute(sql`update work_orders set technician_id = null where id = ${workOrderId}::uuid`);
    await evaluateAlerts(db(), minutes(1));
    expect((await openAlerts(assigned.id)).map((x) => x.subject_key)).not.toContain(keys[0]);
    await db().execute(sql`update work_orders set technician_id = ${t.id} where id = ${workOrderId}::uuid`);
  });
});

describe("tenant scoping", () => {
  it("a merchant owner's rule covers only their terminals, and reaches only people who may see them", async () => {
    const bakery = await bakeryOwner();
    const offline = await rule(bakery, { kind: "terminal_offline", threshold: 5 });
    // The owner of Demo Coffee subscribes to nothing of the bakery's: they cannot even see the rule.
    const coffee = await coffeeOwner();
    await expect(setSubscription(db(), coffee, await scopeForUser(db(), coffee), offline.id, true)).rejects.toMatchObject({ code: "not_found" });
    await evaluateAlerts(db(), minutes(60));
    const raised = await openAlerts(offline.id);
    expect(raised.length).toBeGreaterThan(0);
    expect(new Set(raised.map((a) => a.merchant))).toEqual(new Set(["Other Bakery"]));
    expect(await unreadAlertCount(db(), coffee, await scopeForUser(db(), coffee))).toBe(0);
    expect(await unreadAlertCount(db(), bakery, await scopeForUser(db(), bakery))).toBe(raised.length);
  });

  it("a fleet rule reaches a technician and a merchant owner only for their merchants", async () => {
    const a = await admin();
    const fleet = await rule(a, { kind: "terminal_offline", threshold: 5 });
    const t = await tech();
    const bakery = await bakeryOwner();
    for (const who of [t, bakery]) await setSubscription(db(), who, await scopeForUser(db(), who), fleet.id, true);
    await evaluateAlerts(db(), minutes(60));
    const reached = await queryRows<{ email: string; merchant: string | null }>(
      db(),
      sql`select distinct u.email, m.name as merchant from alert_recipients r join alerts a on a.id = r.alert_id join users u on u.id = r.user_id left join merchants m on m.id = a.merchant_id where a.rule_id = ${fleet.id}`,
    );
    const merchantsOf = (email: string) => new Set(reached.filter((r) => r.email === email).map((r) => r.merchant));
    expect(merchantsOf("tech@demo.posfleet.dev")).toEqual(new Set(["Demo Coffee"]));
    expect(merchantsOf("owner2@demo.posfleet.dev")).toEqual(new Set(["Other Bakery"]));
    expect(merchantsOf("admin@demo.posfleet.dev").size).toBeGreaterThan(1);
    // The inbox lists only what the scope allows.
    const techList = await listAlerts(db(), t, await scopeForUser(db(), t), { status: "open", page: 1, pageSize: 100 });
    expect(new Set(techList.items.map((i) => i.merchantName))).toEqual(new Set(["Demo Coffee"]));
  });

  it("refuses a merchant owner's rule on another merchant's stores, and fleet-only kinds", async () => {
    const coffee = await coffeeOwner();
    const [bakeryStore] = await queryRows<{ id: string }>(db(), sql`select s.id from stores s join merchants m on m.id = s.merchant_id where m.name = 'Other Bakery'`);
    await expect(rule(coffee, { kind: "low_battery", threshold: 10, storeIds: [bakeryStore!.id] })).rejects.toMatchObject({ reason: "alertStoresOutsideScope", field: "storeIds" });
    await expect(rule(coffee, { kind: "rollout_paused" })).rejects.toMatchObject({ reason: "alertKindAdminOnly" });
    await expect(rule(await tech(), { kind: "low_battery", threshold: 10 })).rejects.toMatchObject({ code: "forbidden" });
    expect((await queryRows<{ n: number }>(db(), sql`select count(*)::int as n from alert_rules`))[0]!.n).toBe(0);
  });
});

describe("delivery: e-mail at once, digests, quiet hours, webhooks and SMS", () => {
  it("e-mails each recipient once per alert, queues the owner's webhooks, and SMS for critical alerts", async () => {
    const a = await admin();
    await db().execute(sql`insert into webhooks (url, secret) values ('http://127.0.0.1:9/hook', 'sealed')`);
    await saveNotificationSettings(
      db(),
      a.actor,
      a,
      notificationSettingsInput.parse({ emailMode: "immediate", smsMode: "critical", phone: "+8613800138000", quietFrom: null, quietUntil: null, timeZone: "Asia/Shanghai", locale: "zh-CN" }),
    );
    const low = await rule(a, { kind: "low_battery", threshold: 15, webhook: true, sms: true, severity: "critical" });
    await evaluateAlerts(db(), FIXED_NOW);
    const open = await openAlerts(low.id);
    expect(await emailsTo("admin@demo.posfleet.dev")).toBe(open.length);
    const [mail] = await queryRows<{ subject: string; preview: string }>(db(), sql`select subject, preview from email_outbox where "to" = 'admin@demo.posfleet.dev' limit 1`);
    expect(mail!.subject + mail!.preview).toMatch(/电量/);
    const deliveries = await queryRows<{ body: string }>(db(), sql`select body from webhook_deliveries`);
    expect(deliveries.length).toBe(open.length);
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({
      type: "low_battery",
      severity: "critical",
      terminal: { serialNumber: expect.any(String) },
      url: expect.stringContaining("/alerts?alert="),
    });
    const texts = await queryRows<{ n: number }>(db(), sql`select count(*)::int as n from sms_outbox where template = 'alert' and "to" = '+8613800138000'`);
    expect(texts[0]!.n).toBe(open.length);
  });

  it("an hourly digest gathers the alerts, once per hour; quiet hours hold e-mail until they end, but not critical alerts", async () => {
    const a = await admin();
    const t = await tech();
    await saveNotificationSettings(
      db(),
      a.actor,
      a,
      notificationSettingsInput.parse({ emailMode: "hourly", smsMode: "off", phone: null, quietFrom: null, quietUntil: null, timeZone: "Asia/Shanghai", locale: "en" }),
    );
    // 16:00 in Shanghai at FIXED_NOW: inside the technician's quiet hours.
    await saveNotificationSettings(
      db(),
      t.actor,
      t,
      notificationSettingsInput.parse({ emailMode: "immediate", smsMode: "off", phone: null, quietFrom: "15:00", quietUntil: "17:00", timeZone: "Asia/Shanghai", locale: "en" }),
    );
    const offline = await rule(a, { kind: "terminal_offline", threshold: 30 });
    await setSubscription(db(), t, await scopeForUser(db(), t), offline.id, true);
    const tamper = await rule(a, { kind: "tamper_failed", severity: "critical" });
    await setSubscription(db(), t, await scopeForUser(db(), t), tamper.id, true);
    await db().execute(
      sql`update work_orders set tamper_alert = true where id = (select w.id from work_orders w join merchants m on m.id = w.merchant_id where w.status in ('open', 'scheduled', 'in_progress') and m.name = 'Demo Coffee' order by number limit 1)`,
    );
    expect((await evaluateAlerts(db(), FIXED_NOW)).raised).toBeGreaterThan(0);
    // The critical one went to both at once (the admin's hourly digest and the technician's quiet hours notwithstanding); the offline ones wait.
    expect(await emailsTo("admin@demo.posfleet.dev")).toBe(1);
    expect(await emailsTo("tech@demo.posfleet.dev")).toBe(1);
    await sendAlertDigests(db(), minutes(1));
    expect(await emailsTo("admin@demo.posfleet.dev", "digest")).toBe(1);
    expect(await emailsTo("tech@demo.posfleet.dev", "digest")).toBe(0);
    // New alerts within the hour wait for the next digest.
    await evaluateAlerts(db(), minutes(40));
    await sendAlertDigests(db(), minutes(41));
    expect(await emailsTo("admin@demo.posfleet.dev", "digest")).toBe(1);
    await sendAlertDigests(db(), minutes(62));
    expect(await emailsTo("admin@demo.posfleet.dev", "digest")).toBe(2);
    // Quiet hours over (17:00 in Shanghai): the technician's held alerts arrive as one digest.
    await sendAlertDigests(db(), minutes(61));
    expect(await emailsTo("tech@demo.posfleet.dev", "digest")).toBe(1);
  });

  it("sends a critical alert's e-mail at once even to a digest reader, and caps alert SMS per phone", async () => {
    const a = await admin();
    await saveNotificationSettings(
      db(),
      a.actor,
      a,
      notificationSettingsInput.parse({ emailMode: "daily", smsMode: "all", phone: "+8613800138000", quietFrom: null, quietUntil: null, timeZone: "Asia/Shanghai", locale: "en" }),
    );
    const offline = await rule(a, { kind: "terminal_offline", threshold: 5, severity: "critical", sms: true });
    await evaluateAlerts(db(), minutes(60));
    const open = (await openAlerts(offline.id)).length;
    expect(open).toBeGreaterThan(ALERT_SMS_PER_PHONE_PER_HOUR);
    expect(await emailsTo("admin@demo.posfleet.dev")).toBe(open);
    const texts = await queryRows<{ n: number }>(db(), sql`select count(*)::int as n from sms_outbox where template = 'alert'`);
    expect(texts[0]!.n).toBe(ALERT_SMS_PER_PHONE_PER_HOUR);
  });

  it("an alert SMS reaches the SMS gateway through the outbox, in the recipient's language", async () => {
    const received: { to: string; body: string; template: string }[] = [];
    const gateway = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(JSON.parse(body) as { to: string; body: string; template: string });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    try {
      const a = await admin();
      await saveNotificationSettings(
        db(),
        a.actor,
        a,
        notificationSettingsInput.parse({ emailMode: "off", smsMode: "critical", phone: "+8613800138000", quietFrom: null, quietUntil: null, timeZone: "Asia/Shanghai", locale: "zh-CN" }),
      );
      await rule(a, { kind: "low_battery", threshold: 15, severity: "critical", sms: true, email: false });
      await evaluateAlerts(db(), FIXED_NOW);
      const provider = smsProviderFromEnv({ SMS_PROVIDER: "webhook", SMS_WEBHOOK_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms` });
      await deliverDueSms(db(), FIXED_NOW, provider);
      expect(received.length).toBeGreaterThan(0);
      expect(received[0]).toMatchObject({ to: "+8613800138000", template: "alert", body: expect.stringContaining("电量") });
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  });

  it("raises and delivers exactly once with three evaluations at the same moment", async () => {
    const a = await admin();
    const offline = await rule(a, { kind: "terminal_offline", threshold: 30 });
    await Promise.all([evaluateAlerts(db(), FIXED_NOW), evaluateAlerts(db(), FIXED_NOW), evaluateAlerts(db(), FIXED_NOW)]);
    const open = await openAlerts(offline.id);
    expect(new Set(open.map((x) => x.subject_key)).size).toBe(open.length);
    expect(await alertCount(offline.id)).toBe(open.length);
    expect(await emailsTo("admin@demo.posfleet.dev")).toBe(open.length);
  });
});

describe("rules over time", () => {
  it("a new name or severity keeps the open alerts (nothing is sent twice); a new threshold starts over", async () => {
    const a = await admin();
    const offline = await rule(a, { kind: "terminal_offline", threshold: 30 });
    await evaluateAlerts(db(), FIXED_NOW);
    const sent = await emailsTo("admin@demo.posfleet.dev");
    const base = { ...offline, threshold: 30, merchantIds: [], storeIds: [] };
    await updateRule(db(), a.actor, a, { kind: "all" }, { ...base, name: "Renamed", severity: "critical" }, minutes(1));
    await evaluateAlerts(db(), minutes(1));
    expect(await emailsTo("admin@demo.posfleet.dev")).toBe(sent);
    const severities = await queryRows<{ severity: string }>(db(), sql`select distinct severity::text from alerts where rule_id = ${offline.id} and status = 'open'`);
    expect(severities).toEqual([{ severity: "critical" }]);
    await updateRule(db(), a.actor, a, { kind: "all" }, { ...base, name: "Renamed", severity: "critical", threshold: 60 }, minutes(2));
    await evaluateAlerts(db(), minutes(2));
    expect(await emailsTo("admin@demo.posfleet.dev")).toBeGreaterThan(sent);
  });

  it("shows others an admin's rule only as far as it concerns them", async () => {
    const a = await admin();
    const [coffee, bakery] = await queryRows<{ id: string }>(db(), sql`select id from merchants where name in ('Demo Coffee', 'Other Bakery') order by name`);
    const both = await rule(a, { kind: "terminal_offline", threshold: 5, merchantIds: [coffee!.id, bakery!.id] });
    await evaluateAlerts(db(), minutes(60));
    const owner = await bakeryOwner();
    const seen = (await listRules(db(), owner, await scopeForUser(db(), owner))).find((r) => r.id === both.id)!;
    expect(seen.merchantIds).toEqual([bakery!.id]);
    expect(seen.subscribers).toBeNull();
    const bakeryOpen = await queryRows<{ n: number }>(db(), sql`select count(*)::int as n from alerts where rule_id = ${both.id} and status = 'open' and merchant_id = ${bakery!.id}`);
    expect(seen.openAlerts).toBe(bakeryOpen[0]!.n);
    expect((await listRules(db(), a, { kind: "all" })).find((r) => r.id === both.id)!.openAlerts).toBeGreaterThan(seen.openAlerts);
  });
});

describe("the inbox", () => {
  it("acknowledges with a note once, and hides what is out of scope", async () => {
    const a = await admin();
    const low = await rule(a, { kind: "low_battery", threshold: 15 });
    await evaluateAlerts(db(), FIXED_NOW);
    const list = await listAlerts(db(), a, { kind: "all" }, { status: "open", page: 1, pageSize: 25, unread: true });
    const target = list.items.find((i) => i.serialNumber === "DEMO-0039")!;
    expect(target.unread).toBe(true);
    await acknowledgeAlert(db(), a.actor, a, { kind: "all" }, { id: target.id, note: "Battery ordered" }, minutes(1));
    await expect(acknowledgeAlert(db(), a.actor, a, { kind: "all" }, { id: target.id, note: "" }, minutes(2))).rejects.toMatchObject({ code: "conflict" });
    const after = await listAlerts(db(), a, { kind: "all" }, { status: "open", page: 1, pageSize: 25 });
    expect(after.items.find((i) => i.id === target.id)).toMatchObject({ acknowledgementNote: "Battery ordered", unread: false });
    const bakery = await bakeryOwner();
    await expect(acknowledgeAlert(db(), bakery.actor, bakery, await scopeForUser(db(), bakery), { id: target.id, note: "" })).rejects.toMatchObject({ code: "not_found" });
    expect(low.id).toBeTruthy();
  });
});

describe("the check-ins' own evaluation", () => {
  it("asks for it only for the terminals whose check-in could raise or resolve an alert", async () => {
    const inService = (merchant: string) =>
      queryRows<{ serial: string }>(
        db(),
        sql`select t.serial_number as serial from terminals t join merchants m on m.id = t.merchant_id
          where m.name = ${merchant} and t.status = 'active' and t.serial_number <> 'DEMO-0040' order by t.serial_number limit 2`,
      ).then((rows) => rows.map((r) => r.serial));
    const [coffeeA, coffeeB] = await inService("Demo Coffee");
    const [bakeryA] = await inService("Other Bakery");
    const before = await queryRows<{ serial_number: string; battery_percent: number | null; error_count: number }>(
      db(),
      sql`select serial_number, battery_percent, error_count from terminals where serial_number in (${coffeeA}, ${coffeeB}, ${bakeryA}, 'DEMO-0040')`,
    );
    const candidatesOf = async (reports: [string, { batteryPercent?: number; errors?: { code: string }[] }][], at: Date) => {
      const batch = await Promise.all(
        reports.map(async ([serial, report]) => {
          const t = await terminalId(serial);
          return { device: { terminalId: t.id, serialNumber: serial, merchantId: t.merchant_id }, report: { firmwareVersion: "1.0.0", ...report }, at };
        }),
      );
      const { alertCandidates } = await recordCheckIns(db(), batch);
      const serialOf = new Map(batch.map((c) => [c.device.terminalId, c.device.serialNumber]));
      return alertCandidates.map((id) => serialOf.get(id)).sort();
    };
    const lowBattery = { batteryPercent: 9 };
    const jam = { errors: [{ code: "PRINTER_JAM" }] };
    const healthy = { batteryPercent: 80 };

    // No rules and no open alerts: no check-in can change an alert.
    expect(
      await candidatesOf(
        [
          [coffeeA!, lowBattery],
          [coffeeB!, jam],
          [bakeryA!, healthy],
        ],
        minutes(1),
      ),
    ).toEqual([]);

    // Demo Coffee's owner watches batteries under 15 %: their low terminal only, not the bakery's.
    await rule(await coffeeOwner(), { kind: "low_battery", threshold: 15 });
    expect(
      await candidatesOf(
        [
          [coffeeA!, lowBattery],
          [coffeeB!, healthy],
          [bakeryA!, lowBattery],
        ],
        minutes(2),
      ),
    ).toEqual([coffeeA]);

    // A fleet errors rule: a report with errors, anywhere; a battery above every threshold is not one.
    await rule(await admin(), { kind: "errors_reported", threshold: 3 });
    expect(
      await candidatesOf(
        [
          [coffeeB!, { ...healthy, ...jam }],
          [bakeryA!, healthy],
        ],
        minutes(3),
      ),
    ).toEqual([coffeeB]);

    // An open offline alert: the terminal's check-in is what resolves it.
    await rule(await admin(), { kind: "terminal_offline", threshold: 30 });
    await evaluateAlerts(db(), minutes(4));
    expect((await openAlerts((await queryRows<{ id: string }>(db(), sql`select id from alert_rules where kind = 'terminal_offline'`))[0]!.id)).map((a) => a.serial)).toContain("DEMO-0040");
    expect(
      await candidatesOf(
        [
          ["DEMO-0040", healthy],
          [bakeryA!, healthy],
        ],
        minutes(5),
      ),
    ).toEqual(["DEMO-0040"]);

    for (const t of before) await db().execute(sql`update terminals set battery_percent = ${t.battery_percent}, error_count = ${t.error_count} where serial_number = ${t.serial_number}`);
  });
});
