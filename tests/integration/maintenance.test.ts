import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, maintenancePlans, notificationSettings, stores, terminals, workOrders } from "@/db/schema";
import { authenticateDevice, reissueDeviceToken } from "@/server/services/device-tokens";
import { planCreateInput, type SaveWorkInput } from "@/server/schemas/maintenance";
import { localDay } from "@/server/services/calendar-day";
import { calendarFeedIcs, createDueWorkOrders, createPlan, exportWorkOrdersCsv } from "@/server/services/maintenance";
import { createTestDatabase, demoCallers, viewerByEmail, demoEmails } from "../helpers/db";

let handle: DbHandle;
let callers: Awaited<ReturnType<typeof demoCallers>>;
const NOW = new Date("2026-06-10T02:00:00Z");

const terminalBySerial = async (serial: string) => (await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serial)))[0]!;
// Plans made as of NOW (the router uses the real clock, which would start them from today).
const planAt = (input: Record<string, unknown>) => createPlan(handle.db, { id: null, label: "admin-test", ip: null }, planCreateInput.parse(input), NOW);
/** The technician's one save carrying only these fields (an empty work log stays empty). */
const work = (id: string, fields: Partial<SaveWorkInput> = {}) => ({ id, saveId: randomUUID(), checklist: [], parts: [], minutesSpent: null, resolution: "", signoffName: "", ...fields });
const codeOf = (error: unknown) => (error instanceof TRPCError ? error.code : String(error));

beforeAll(async () => {
  handle = await createTestDatabase();
  callers = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

describe("preventive plans", () => {
  it("create a store's work orders ahead of the due date, once however many instances run the job", async () => {
    const [store] = await handle.db.select().from(stores).where(eq(stores.name, "Demo Coffee Xuhui"));
    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    const plan = await planAt({ name: "Quarterly care", scope: "store", storeId: store!.id, everyN: 3, unit: "month", firstDue: "2026-06-15", technicianId: tech.id, leadDays: 7 });
    expect(plan.nextDue).toBe("2026-06-15");
    const inService = await handle.db
      .select()
      .from(terminals)
      .where(and(eq(terminals.storeId, store!.id), eq(terminals.status, "active")));

    const runs = await Promise.all([createDueWorkOrders(handle.db, NOW), createDueWorkOrders(handle.db, NOW), createDueWorkOrders(handle.db, NOW)]);
    expect(runs.reduce((sum, r) => sum + r.created, 0)).toBeGreaterThanOrEqual(inService.length);
    const [made] = await handle.db.select({ n: count() }).from(workOrders).where(eq(workOrders.planId, plan.id));
    expect(made!.n).toBe(inService.length);
    const [after] = await handle.db.select().from(maintenancePlans).where(eq(maintenancePlans.id, plan.id));
    expect(after!.nextDue).toBe("2026-09-15");
    // Nothing more until the next date comes within the lead time.
    expect((await createDueWorkOrders(handle.db, NOW)).created).toBe(0);
    expect((await createDueWorkOrders(handle.db, new Date("2026-09-08T02:00:00Z"))).created).toBe(inService.length);

    const mine = await callers.technician.maintenance.list({ mine: true, open: true, pageSize: 100 });
    expect(mine.items.filter((w) => w.title === "Quarterly care")).toHaveLength(inService.length * 2);
  });

  it("refuse a technician who is not assigned to the merchant, and a bad RRULE", async () => {
    const [bakery] = await handle.db.select().from(stores).where(eq(stores.name, "Other Bakery Chaoyang"));
    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    await expect(callers.admin.maintenance.createPlan({ name: "x", scope: "store", storeId: bakery!.id, firstDue: "2026-06-15", technicianId: tech.id })).rejects.toThrow(/not assigned/);
    await expect(callers.admin.maintenance.createPlan({ name: "x", scope: "store", storeId: bakery!.id, firstDue: "2026-06-15", rrule: "FREQ=NEVER" })).rejects.toThrow(/RRULE/);
    await expect(callers.admin.maintenance.createPlan({ name: "x", scope: "store", storeId: bakery!.id, firstDue: "2026-06-15", checklist: ["polish_the_logo"] })).rejects.toThrow();
  });

  it("carry their own checklist template, tamper line included", async () => {
    const terminal = await terminalBySerial("BAKE-0004");
    const plan = await planAt({ name: "Seal check", scope: "terminal", terminalId: terminal.id, everyN: 2, unit: "week", firstDue: "2026-06-12", checklist: ["clean_reader", "tamper_inspection"] });
    await createDueWorkOrders(handle.db, NOW);
    const [order] = await handle.db.select().from(workOrders).where(eq(workOrders.planId, plan.id));
    expect(order!.checklist).toEqual([{ key: "clean_reader" }, { key: "tamper_inspection", tamper: true }]);
  });
});

describe("a fault report", () => {
  it("opens a repair work order that the assigned technician completes, and the merchant sees it in the terminal's history", async () => {
    const terminal = await terminalBySerial("DEMO-0012");
    const order = await callers.merchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["card_insert_no_response"], description: "Nothing happens when a card goes in." });
    expect(order).toMatchObject({ type: "repair", status: "scheduled", priority: "high" });
    // Another merchant neither sees it nor can report on the terminal.
    await expect(callers.otherMerchant.maintenance.get({ id: order.id })).rejects.toThrow(/not found/);
    await expect(callers.otherMerchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["other"], description: "x" })).rejects.toThrow(/not found/);
    await expect(callers.merchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["other"] })).rejects.toThrow();

    const tech = callers.technician.maintenance;
    const detail = await tech.get({ id: order.id });
    await expect(tech.move({ id: order.id, status: "done" })).rejects.toThrow(/cannot become done/);
    await tech.move({ id: order.id, status: "in_progress" });
    await expect(tech.move({ id: order.id, status: "done" })).rejects.toThrow(/record/);
    await tech.saveWork(
      work(order.id, {
        checklist: detail.checklist.map((c) => ({ key: c.key, result: "pass" as const, note: "" })),
        parts: [{ name: "Card reader head", quantity: 1 }],
        minutesSpent: 35,
        resolution: "Replaced the card reader head.",
        signoffName: "Li Wei",
        note: { id: randomUUID(), body: "Reader was full of dust." },
      }),
    );
    // Planning stays with admins.
    expect(codeOf(await tech.update({ id: order.id, priority: "low" }).catch((e: unknown) => e))).toBe("FORBIDDEN");
    await tech.move({ id: order.id, status: "done" });
    await expect(tech.saveWork(work(order.id, { minutesSpent: 1, resolution: "x", signoffName: "y" }))).rejects.toThrow(/no longer changes/);

    const history = (await callers.merchant.terminals.getBySerial({ serialNumber: "DEMO-0012" })).maintenance;
    expect(history[0]).toMatchObject({ id: order.id, status: "done", resolution: "Replaced the card reader head." });
    const trail = await handle.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.entityId, order.id));
    expect(trail.map((a) => a.action)).toEqual(expect.arrayContaining(["work_order.fault_reported", "work_order.checklist_saved", "work_order.log_saved", "work_order.completed"]));
  });

  it("keeps technicians to their assigned merchants", async () => {
    const bakery = await terminalBySerial("BAKE-0003");
    const order = await callers.admin.maintenance.create({ type: "inspection", terminalId: bakery.id, title: "Inspect", dueDate: "2026-06-12" });
    await expect(callers.technician.maintenance.get({ id: order.id })).rejects.toThrow(/not found/);
    await expect(callers.technician.maintenance.move({ id: order.id, status: "in_progress" })).rejects.toThrow(/not found/);
    expect((await callers.technician.maintenance.list({ terminalId: bakery.id })).total).toBe(0);
  });
});

describe("a failed tamper check", () => {
  it("suspends the terminal, stops its device token, alerts admins and opens an inspection", async () => {
    const terminal = await terminalBySerial("DEMO-0013");
    const { deviceToken } = await reissueDeviceToken(handle.db, { id: null, label: "test", ip: null }, terminal.id);
    expect((await authenticateDevice(handle.db, deviceToken)).ok).toBe(true);
    const order = await callers.admin.maintenance.create({ type: "preventive", terminalId: terminal.id, title: "Visit", dueDate: "2026-06-12" });
    const before = (await callers.admin.overview.get()).tamperAlerts;

    const saved = await callers.technician.maintenance.saveWork(work(order.id, { checklist: [{ key: "tamper_inspection", result: "fail", note: "Seal broken" }] }));
    expect(saved.tamper).not.toBeNull();
    expect((await terminalBySerial("DEMO-0013")).status).toBe("suspended");
    expect((await authenticateDevice(handle.db, deviceToken)).ok).toBe(false);
    const followUp = await callers.admin.maintenance.get({ id: saved.tamper!.followUpId });
    expect(followUp).toMatchObject({ type: "inspection", priority: "urgent", tamperAlert: true, parentId: order.id });
    expect((await callers.admin.overview.get()).tamperAlerts).toBe(before + 1);
    const [suspension] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, terminal.id), eq(auditLog.action, "terminal.tamper_suspended")));
    expect(suspension).toBeDefined();
    // Saving the same result again raises no second alert.
    expect((await callers.technician.maintenance.saveWork(work(order.id, { checklist: [{ key: "tamper_inspection", result: "fail", note: "Seal broken" }] }))).tamper).toBeNull();
  });
});

describe("review cases", () => {
  it("keep a technician's feed and work to their merchants, and a moved terminal's history to its merchants", async () => {
    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    const [a80] = await handle.db.select({ id: terminals.modelId }).from(terminals).where(eq(terminals.serialNumber, "DEMO-0001"));
    // A fleet-wide plan cannot carry one technician into every merchant.
    await expect(callers.admin.maintenance.createPlan({ name: "Fleet", scope: "model", modelId: a80!.id, firstDue: "2026-06-15", technicianId: tech.id })).rejects.toThrow(/whole fleet/);

    const terminal = await terminalBySerial("DEMO-0020");
    const order = await callers.merchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["printer_fault"], description: "" });
    const [bakery] = await handle.db.select().from(stores).where(eq(stores.name, "Other Bakery Chaoyang"));
    await callers.admin.terminals.assign({ id: terminal.id, merchantId: bakery!.merchantId, storeId: bakery!.id });
    expect((await callers.admin.maintenance.get({ id: order.id })).status).toBe("cancelled");
    expect((await callers.otherMerchant.terminals.getBySerial({ serialNumber: "DEMO-0020" })).maintenance).toEqual([]);

    const { token } = await callers.technician.maintenance.rotateCalendarFeed({ rotate: true });
    expect(await calendarFeedIcs(handle.db, token, "https://x")).not.toBeNull();
    await handle.db.execute(sql`update users set disabled = true where id = ${tech.id}`);
    expect(await calendarFeedIcs(handle.db, token, "https://x")).toBeNull();
    await handle.db.execute(sql`update users set disabled = false where id = ${tech.id}`);
  });

  it("start an old plan from today, recompute on resume, refuse impossible dates and clashing due dates", async () => {
    const terminal = await terminalBySerial("DEMO-0016");
    const plan = await callers.admin.maintenance.createPlan({ name: "Weekly", scope: "terminal", terminalId: terminal.id, everyN: 1, unit: "week", firstDue: "2016-01-04" });
    // Not 2016: the first date comes from today, so ten years of missed visits are not created.
    expect(plan.nextDue >= localDay(new Date(), "Asia/Shanghai")).toBe(true);
    await callers.admin.maintenance.updatePlan({ id: plan.id, active: false });
    const resumed = await callers.admin.maintenance.updatePlan({ id: plan.id, active: true });
    expect(resumed.nextDue).toBe(plan.nextDue);
    await expect(callers.admin.maintenance.create({ type: "repair", terminalId: terminal.id, title: "x", dueDate: "2026-02-30" })).rejects.toThrow(/notARealDate/);
    expect(
      codeOf(
        await callers.admin.maintenance
          .createPlan({ name: "x", scope: "model", modelId: terminal.modelId, merchantId: "00000000-0000-4000-8000-000000000000", firstDue: "2026-06-15" })
          .catch((e: unknown) => e),
      ),
    ).toBe("BAD_REQUEST");
  });

  it("raise one tamper alert per terminal, whatever is saved after", async () => {
    const terminal = await terminalBySerial("DEMO-0017");
    const order = await callers.admin.maintenance.create({ type: "inspection", terminalId: terminal.id, title: "Check", dueDate: "2026-06-12" });
    const first = await callers.technician.maintenance.saveWork(work(order.id, { checklist: [{ key: "tamper_inspection", result: "fail", note: "" }] }));
    await callers.technician.maintenance.saveWork(work(order.id, { checklist: [{ key: "tamper_inspection", result: "pass", note: "" }] }));
    const again = await callers.technician.maintenance.saveWork(work(order.id, { checklist: [{ key: "tamper_inspection", result: "fail", note: "" }] }));
    expect(again.tamper?.followUpId).toBe(first.tamper!.followUpId);
    // The follow-up inspection confirming the failure opens no further alert.
    const followUp = await callers.technician.maintenance.saveWork(work(first.tamper!.followUpId, { checklist: [{ key: "tamper_inspection", result: "fail", note: "" }] }));
    expect(followUp.tamper?.followUpId).toBe(first.tamper!.followUpId);
    const [alerts] = await handle.db
      .select({ n: count() })
      .from(workOrders)
      .where(and(eq(workOrders.terminalId, terminal.id), eq(workOrders.tamperAlert, true)));
    expect(alerts!.n).toBe(1);
  });
});

describe("views", () => {
  it("give a technician a secret calendar feed that rotation replaces, and a CSV export", async () => {
    const { token } = await callers.technician.maintenance.rotateCalendarFeed({ rotate: true });
    const ics = await calendarFeedIcs(handle.db, token, "https://fleet.example");
    expect(ics).toContain("BEGIN:VCALENDAR");
    expect(ics).toMatch(/BEGIN:VEVENT[\s\S]*DTSTART;VALUE=DATE:2026\d{4}[\s\S]*URL:https:\/\/fleet\.example\/work-orders\//);
    const { token: next } = await callers.technician.maintenance.rotateCalendarFeed({ rotate: true });
    expect(await calendarFeedIcs(handle.db, token, "https://fleet.example")).toBeNull();
    expect(await calendarFeedIcs(handle.db, next, "https://fleet.example")).not.toBeNull();

    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    let csv = "";
    for await (const chunk of exportWorkOrdersCsv(handle.db, { kind: "merchants", merchantIds: [tech.merchantId ?? ""].filter(Boolean) }, tech.id, { mine: true }, "en")) csv += chunk;
    expect(csv.split("\n")[0]).toBe("number,type,status,priority,title,serial_number,merchant,store,technician,due_date,completed_at");
  });

  it("word the system's titles in the reader's language: the CSV in the caller's, the feed in the technician's", async () => {
    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    const terminal = await terminalBySerial("DEMO-0014");
    const fault = await callers.merchant.maintenance.reportFault({ terminalId: terminal.id, symptoms: ["printer_fault"], description: "" });
    // A title someone typed stays as typed in every language.
    const typed = await callers.admin.maintenance.create({ type: "inspection", terminalId: terminal.id, title: "Check the cradle", dueDate: "2026-06-20", technicianId: tech.id });

    const csvIn = async (locale: "en" | "zh-CN") => {
      let csv = "";
      for await (const chunk of exportWorkOrdersCsv(handle.db, { kind: "all" }, tech.id, { q: "DEMO-0014" }, locale)) csv += chunk;
      return csv;
    };
    const english = await csvIn("en");
    expect(english).toContain(`WO-${fault.number},repair,`);
    expect(english).toContain(",Fault: DEMO-0014,DEMO-0014,");
    const chinese = await csvIn("zh-CN");
    expect(chinese).toContain(",故障：DEMO-0014,DEMO-0014,");
    expect(chinese).not.toContain("Fault:");
    expect(chinese).toContain(`WO-${typed.number},inspection,`);
    expect(chinese).toContain(",Check the cradle,DEMO-0014,");

    // Calendar apps may fold long lines; the SUMMARY is read unfolded.
    const summaries = async () => {
      const { token } = await callers.technician.maintenance.rotateCalendarFeed({ rotate: true });
      const ics = (await calendarFeedIcs(handle.db, token, "https://fleet.example"))!.replace(/\r\n /g, "");
      return ics.split("\r\n").filter((line) => line.startsWith("SUMMARY:") && line.includes("DEMO-0014"));
    };
    // No language of their own and no merchant: English.
    expect(await summaries()).toEqual(expect.arrayContaining([`SUMMARY:WO-${fault.number} Fault: DEMO-0014 (DEMO-0014)`, `SUMMARY:WO-${typed.number} Check the cradle (DEMO-0014)`]));
    await handle.db.insert(notificationSettings).values({ userId: tech.id, locale: "zh-CN" });
    try {
      const inChinese = await summaries();
      expect(inChinese).toEqual(expect.arrayContaining([`SUMMARY:WO-${fault.number} 故障：DEMO-0014 (DEMO-0014)`, `SUMMARY:WO-${typed.number} Check the cradle (DEMO-0014)`]));
      expect(inChinese.join("\n")).not.toContain("Fault:");
    } finally {
      await handle.db.delete(notificationSettings).where(eq(notificationSettings.userId, tech.id));
    }
  });

  it("list overdue and due-soon work, and a calendar range", async () => {
    const list = await callers.admin.maintenance.list({ due: "overdue" });
    expect(list.items.every((w) => w.dueState === "overdue")).toBe(true);
    const calendar = await callers.admin.maintenance.calendar({ from: "2026-06-01", to: "2026-06-30" });
    expect(calendar.every((w) => w.dueDate >= "2026-06-01" && w.dueDate <= "2026-06-30")).toBe(true);
    expect(calendar.length).toBeGreaterThan(0);
    await expect(callers.admin.maintenance.calendar({ from: "2026-06-01", to: "2026-12-30" })).rejects.toThrow();
  });
});
