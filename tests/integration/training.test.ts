import { and, asc, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, DbHandle } from "@/db/client";
import { auditLog, staffMembers, stores, terminalModels, terminals, trainingCourses, trainingRecords, workOrders } from "@/db/schema";
import { trainingStates, type StaffRole, type TrainingState } from "@/db/schema/values";
import { complianceInput, courseCreateInput, recordListInput, sessionInput, staffCreateInput } from "@/server/schemas/training";
import { scopeForUser, type Scope } from "@/server/scope";
import type { AuditActor } from "@/server/services/audit";
import { addDays, localDay } from "@/server/services/calendar-day";
import {
  createCourse,
  createStaff,
  evidenceCsv,
  exportRecordsCsv,
  listRecords,
  listStaff,
  recordSession,
  storeCompliance,
  storeEvidence,
  updateCourse,
  updateStaff,
  type Recorder,
} from "@/server/services/training";
import { trainingExpiry } from "@/server/services/training-rules";
import { clearFleetData, seedDemo } from "@/db/seed";
import { createTestDatabase, demoCallers, demoEmails, FIXED_NOW, merchantNamed, storeNamed, viewerByEmail } from "../helpers/db";
import { refusal } from "../helpers/refusal";

let handle: DbHandle;
let db: Db;
let callers: Awaited<ReturnType<typeof demoCallers>>;
let admin: Recorder;
const ALL: Scope = { kind: "all" };
// The seed's clock (2026-11-20T08:00Z) is 16:00 on 20 November in Shanghai.
const SEED_TODAY = "2026-11-20";

async function recorderFor(email: string): Promise<Recorder> {
  const viewer = await viewerByEmail(db, email);
  return { actor: { id: viewer.id, label: viewer.email, ip: null }, scope: await scopeForUser(db, viewer), userId: viewer.id, name: viewer.name, role: viewer.role };
}

const adminActor = (): AuditActor => admin.actor;
const recordCount = async () => (await db.select({ n: count() }).from(trainingRecords))[0]!.n;
const staffCount = async () => (await db.select({ n: count() }).from(staffMembers))[0]!.n;
const auditCount = async (action: string) => (await db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, action)))[0]!.n;
const auditFor = (entityId: string) => db.select().from(auditLog).where(eq(auditLog.entityId, entityId)).orderBy(asc(auditLog.id));

async function courseId(key: string) {
  const [course] = await db.select({ id: trainingCourses.id }).from(trainingCourses).where(eq(trainingCourses.key, key));
  if (!course) throw new Error(`no course ${key}`);
  return course.id;
}
async function staffAt(storeName: string, where: { role?: StaffRole; active?: boolean } = {}) {
  const store = await storeNamed(db, storeName);
  return db
    .select()
    .from(staffMembers)
    .where(and(eq(staffMembers.storeId, store.id), where.role ? eq(staffMembers.role, where.role) : undefined, where.active === undefined ? undefined : eq(staffMembers.active, where.active)))
    .orderBy(asc(staffMembers.name));
}
async function csvText(chunks: AsyncGenerator<string>) {
  let text = "";
  for await (const chunk of chunks) text += chunk;
  return text;
}
const lines = (csv: string) => csv.split("\n").filter((line) => line.length > 0);

const compliance = (scope: Scope, now: Date, input: Record<string, unknown> = {}) => storeCompliance(db, scope, complianceInput.parse({ pageSize: 100, ...input }), now);
const records = (scope: Scope, now: Date, input: Record<string, unknown> = {}) => listRecords(db, scope, recordListInput.parse({ pageSize: 100, ...input }), now);
const session = (recorder: Recorder, input: Record<string, unknown>, now: Date) => recordSession(db, recorder, sessionInput.parse(input), now);
const external = { kind: "external", name: "SafePay Training Ltd." };

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.db;
  callers = await demoCallers(db);
  admin = await recorderFor(demoEmails.admin);
});
afterAll(async () => handle?.close());

// These run first and change nothing, so they see the demo data as seeded.
describe("the seeded training data, at the seed's clock", () => {
  it("gives each store its compliance: Demo Coffee Xuhui 3 of 6, every other store 4 of 5 with 1 expiring", async () => {
    const result = await compliance(ALL, FIXED_NOW);
    const storeCount = (await db.select({ n: count() }).from(stores))[0]!.n;
    expect(result.total).toBe(storeCount);
    expect(result.items).toHaveLength(storeCount);
    expect(storeCount).toBe(8);
    for (const row of result.items) {
      if (row.name === "Demo Coffee Xuhui") expect(row, row.name).toMatchObject({ staff: 6, compliant: 3, expiring: 0, share: 0.5 });
      else expect(row, row.name).toMatchObject({ staff: 5, compliant: 4, expiring: 1, share: 0.8 });
    }
    // 7 standard stores of 5 people + Xuhui's 6; per standard store one tamper course expiring and one
    // card and PIN course expired; Xuhui one card and PIN course expired and two never taken.
    expect(result.summary).toEqual({ staff: 41, compliant: 31, expiring: 7, expired: 8, missing: 2 });

    // Sorted by share, the least compliant store comes first.
    const byShare = await compliance(ALL, FIXED_NOW, { sort: "share" });
    expect(byShare.items[0]!.name).toBe("Demo Coffee Xuhui");
    // Filtered to one merchant, the summary counts only its stores.
    const demoCoffee = await merchantNamed(db, "Demo Coffee");
    const mine = await compliance(ALL, FIXED_NOW, { merchantId: demoCoffee.id });
    expect(mine.items.map((s) => s.name)).toEqual(["Demo Coffee Jing'an", "Demo Coffee Xuhui"]);
    expect(mine.summary).toEqual({ staff: 11, compliant: 7, expiring: 1, expired: 2, missing: 2 });
    // A search narrows the summary to the stores it lists.
    const searched = await compliance(ALL, FIXED_NOW, { q: "xuhui" });
    expect(searched.items.map((s) => s.name)).toEqual(["Demo Coffee Xuhui"]);
    expect(searched.summary).toEqual({ staff: 6, compliant: 3, expiring: 0, expired: 1, missing: 2 });
  });

  it("lists for renewal only people still on the staff", async () => {
    const expiring = await records(ALL, FIXED_NOW, { state: "expiring" });
    expect(expiring.total).toBe(7);
    expect(expiring.items).toHaveLength(7);
    for (const r of expiring.items) {
      expect(r).toMatchObject({ staffActive: true, courseKey: "tamper_spotting", state: "expiring", result: "passed" });
      expect(r.expiresOn! > SEED_TODAY && r.expiresOn! <= addDays(SEED_TODAY, 30)).toBe(true);
    }

    const expired = await records(ALL, FIXED_NOW, { state: "expired" });
    expect(expired.total).toBe(8);
    for (const r of expired.items) {
      expect(r).toMatchObject({ staffActive: true, courseKey: "card_pin_safety", state: "expired" });
      expect(r.expiresOn! <= SEED_TODAY).toBe(true);
    }
    // Soonest expiry first.
    const expiries = expired.items.map((r) => r.expiresOn!);
    expect(expiries).toEqual([...expiries].sort());

    // The people who left have expired passes too (3 each in 7 stores), which the list leaves out.
    const leftPasses = await db
      .select({ n: count() })
      .from(trainingRecords)
      .innerJoin(staffMembers, eq(staffMembers.id, trainingRecords.staffId))
      .where(and(eq(staffMembers.active, false), eq(trainingRecords.result, "passed")));
    expect(leftPasses[0]!.n).toBe(21);
    const leftIds = new Set((await db.select({ id: staffMembers.id }).from(staffMembers).where(eq(staffMembers.active, false))).map((s) => s.id));
    expect(expired.items.some((r) => leftIds.has(r.staffId))).toBe(false);
    // Unfiltered, their records are still there (evidence), and marked as belonging to someone who left.
    const all = await records(ALL, FIXED_NOW, { pageSize: 100, page: 1 });
    expect(all.total).toBe(141);
    const leftRecord = (await records(ALL, FIXED_NOW, { staffId: [...leftIds][0] })).items;
    expect(leftRecord).toHaveLength(3);
    expect(leftRecord.every((r) => !r.staffActive && r.state === "expired")).toBe(true);

    expect((await records(ALL, FIXED_NOW, { state: "failed" })).total).toBe(7);
    expect((await records(ALL, FIXED_NOW, { state: "renewed" })).total).toBe(0);
  });

  it("dates every seeded pass as the shared rule does (the seed computes it in SQL)", async () => {
    const rows = await db
      .select({ trainedOn: trainingRecords.trainedOn, expiresOn: trainingRecords.expiresOn, result: trainingRecords.result, validityMonths: trainingCourses.validityMonths })
      .from(trainingRecords)
      .innerJoin(trainingCourses, eq(trainingCourses.id, trainingRecords.courseId));
    const passed = rows.filter((r) => r.result === "passed");
    expect(passed).toHaveLength(134);
    for (const r of passed) {
      expect(r.validityMonths).toBe(12);
      expect(r.expiresOn).toBe(trainingExpiry(r.trainedOn, 12));
    }
    const failed = rows.filter((r) => r.result === "failed");
    expect(failed).toHaveLength(7);
    expect(failed.every((r) => r.expiresOn === null)).toBe(true);
  });

  it("shows Demo Coffee Xuhui's PCI DSS 9.5.1 evidence: devices, inspections, staff", async () => {
    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const evidence = await storeEvidence(db, ALL, xuhui.id, FIXED_NOW);
    expect(evidence.today).toBe(SEED_TODAY);
    expect(evidence.store).toMatchObject({ id: xuhui.id, name: "Demo Coffee Xuhui", merchantName: "Demo Coffee", address: "88 Caoxi North Rd, Xuhui", region: "Shanghai" });

    // Devices: the store's terminals that are not retired, with make, model and serial.
    const expected = await db
      .select({ serialNumber: terminals.serialNumber, manufacturer: terminalModels.manufacturer, model: terminalModels.model, status: terminals.status })
      .from(terminals)
      .innerJoin(terminalModels, eq(terminalModels.id, terminals.modelId))
      .where(eq(terminals.storeId, xuhui.id))
      .orderBy(asc(terminals.serialNumber));
    expect(expected.some((t) => t.status === "retired")).toBe(false);
    expect(evidence.devices.map((d) => ({ serialNumber: d.serialNumber, manufacturer: d.manufacturer, model: d.model, status: d.status }))).toEqual(expected);
    // DEMO odd numbers 1..39 and the in-stock 101..109 odd.
    expect(evidence.devices).toHaveLength(25);
    expect(evidence.devices.map((d) => d.serialNumber)).toContain("DEMO-0107");
    expect(evidence.devices.map((d) => d.serialNumber)).not.toContain("DEMO-0002");

    const device = (serial: string) => evidence.devices.find((d) => d.serialNumber === serial)!;
    const ordersOf = async (serial: string) => db.select().from(workOrders).innerJoin(terminals, eq(terminals.id, workOrders.terminalId)).where(eq(terminals.serialNumber, serial));

    // Overdue: DEMO-0003's preventive visit (5 days) and DEMO-0005's tamper inspection (2 days).
    expect(evidence.overdueInspections.map((w) => ({ serialNumber: w.serialNumber, type: w.type, dueDate: w.dueDate }))).toEqual([
      { serialNumber: "DEMO-0003", type: "preventive", dueDate: addDays(SEED_TODAY, -5) },
      { serialNumber: "DEMO-0005", type: "inspection", dueDate: addDays(SEED_TODAY, -2) },
    ]);
    for (const serial of ["DEMO-0003", "DEMO-0005"]) {
      const [order] = await ordersOf(serial);
      expect(device(serial).nextInspection).toMatchObject({ workOrderId: order!.work_orders.id, overdue: true });
      expect(evidence.overdueInspections.find((w) => w.serialNumber === serial)!.id).toBe(order!.work_orders.id);
    }
    // Due but not overdue: DEMO-0009's visit in 3 days.
    expect(device("DEMO-0009").nextInspection).toMatchObject({ dueDate: addDays(SEED_TODAY, 3), overdue: false });

    // Last inspections: the done tamper inspections 40 and 42 days ago.
    for (const [serial, daysAgo] of [
      ["DEMO-0021", 40],
      ["DEMO-0023", 42],
    ] as const) {
      const [order] = await ordersOf(serial);
      const last = device(serial).lastInspection!;
      expect(last).toMatchObject({ workOrderId: order!.work_orders.id, number: order!.work_orders.number, result: "pass" });
      expect(last.on.toISOString()).toBe(new Date(FIXED_NOW.getTime() - daysAgo * 86_400_000).toISOString());
    }
    // An installation has no tamper check: DEMO-0001 was never inspected.
    expect(device("DEMO-0001").lastInspection).toBeNull();

    // Staff: six active people, three current; the three cashiers lack card and PIN safety.
    expect(evidence.staff).toHaveLength(6);
    expect(evidence.staff.filter((s) => s.current)).toHaveLength(3);
    const lacking = evidence.staff.filter((s) => !s.current);
    expect(lacking.map((s) => s.role)).toEqual(["cashier", "cashier", "cashier"]);
    const pinStates = lacking.map((s) => {
      const notCurrent = s.courses.filter((c) => c.state !== "current" && c.state !== "expiring");
      expect(notCurrent.map((c) => c.courseKey)).toEqual(["card_pin_safety"]);
      return notCurrent[0]!;
    });
    expect(pinStates.map((c) => c.state).sort()).toEqual(["expired", "missing", "missing"]);
    const expired = pinStates.find((c) => c.state === "expired")!;
    expect(expired.trainedOn).toBe(addDays(SEED_TODAY, -400));
    expect(expired.expiresOn).toBe(trainingExpiry(addDays(SEED_TODAY, -400), 12));
    expect(expired.recordId).not.toBeNull();
    for (const missing of pinStates.filter((c) => c.state === "missing")) expect(missing).toMatchObject({ trainedOn: null, expiresOn: null, recordId: null });
    // Each person is listed with the courses their role requires.
    const requiredCount: Record<StaffRole, number> = { manager: 4, cashier: 3, other: 1 };
    for (const person of evidence.staff) expect(person.courses, person.name).toHaveLength(requiredCount[person.role]);

    expect(evidence.summary).toEqual({ devices: 25, failedTamperChecks: 0, neverInspected: 23, overdueInspections: 2, staff: 6, compliant: 3, share: 0.5 });
  });

  it("counts Demo Coffee Jing'an's preventive maintenance as an inspection, and leaves retired terminals out", async () => {
    const jingan = await storeNamed(db, "Demo Coffee Jing'an");
    const evidence = await storeEvidence(db, ALL, jingan.id, FIXED_NOW);
    const [preventive] = await db
      .select({ id: workOrders.id, type: workOrders.type })
      .from(workOrders)
      .innerJoin(terminals, eq(terminals.id, workOrders.terminalId))
      .where(and(eq(terminals.serialNumber, "DEMO-0002"), eq(workOrders.status, "done")));
    expect(preventive!.type).toBe("preventive");
    const demo2 = evidence.devices.find((d) => d.serialNumber === "DEMO-0002")!;
    expect(demo2.lastInspection).toMatchObject({ workOrderId: preventive!.id, result: "pass" });
    expect(demo2.lastInspection!.on.toISOString()).toBe(new Date(FIXED_NOW.getTime() - 30 * 86_400_000).toISOString());
    expect(evidence.summary).toMatchObject({ staff: 5, compliant: 4, overdueInspections: 0 });
    expect(evidence.staff).toHaveLength(5);

    // Harbor Books has a retired terminal: it is no longer a device of the store.
    const [retired] = await db.select().from(terminals).where(eq(terminals.status, "retired")).orderBy(asc(terminals.serialNumber));
    expect(retired).toBeDefined();
    const store = await db.select().from(stores).where(eq(stores.id, retired!.storeId!));
    const other = await storeEvidence(db, ALL, store[0]!.id, FIXED_NOW);
    const serials = other.devices.map((d) => d.serialNumber);
    expect(serials).not.toContain(retired!.serialNumber);
    const inService = await db
      .select({ serialNumber: terminals.serialNumber, status: terminals.status })
      .from(terminals)
      .where(eq(terminals.storeId, store[0]!.id))
      .orderBy(asc(terminals.serialNumber));
    expect(serials).toEqual(inService.filter((t) => t.status !== "retired").map((t) => t.serialNumber));
    expect(serials.length).toBeGreaterThan(0);
  });

  it("exports the evidence as CSV: a device row per device, a training row per person and required course", async () => {
    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const evidence = await storeEvidence(db, ALL, xuhui.id, FIXED_NOW);
    const rows = lines(await csvText(evidenceCsv(evidence)));
    expect(rows[0]).toBe(
      "section,serial_number,manufacturer,model,location,status,last_inspection_on,tamper_check,next_inspection_due,inspection_overdue,staff,role,course,trained_on,expires_on,training_state",
    );
    const devices = rows.filter((r) => r.startsWith("device,"));
    const training = rows.filter((r) => r.startsWith("training,"));
    expect(devices).toHaveLength(25);
    // Manager 4 courses, four cashiers 3 each, the other person 1.
    expect(training).toHaveLength(17);
    expect(training).toHaveLength(evidence.staff.reduce((sum, s) => sum + s.courses.length, 0));
    expect(rows).toHaveLength(1 + 25 + 17);
    const location = '"Demo Coffee Xuhui, 88 Caoxi North Rd, Xuhui, Shanghai"';
    const demo21 = devices.find((r) => r.startsWith("device,DEMO-0021,"))!;
    expect(demo21).toContain(location);
    expect(demo21).toContain(`,${localDay(new Date(FIXED_NOW.getTime() - 40 * 86_400_000), "Asia/Shanghai")},pass,`);
    expect(devices.find((r) => r.startsWith("device,DEMO-0003,"))).toContain(`,${addDays(SEED_TODAY, -5)},yes,`);
    expect(devices.find((r) => r.startsWith("device,DEMO-0001,"))).toContain(",never,");
    expect(training.filter((r) => r.endsWith(",missing"))).toHaveLength(2);
    expect(training.filter((r) => r.endsWith(",expired"))).toHaveLength(1);
    for (const person of evidence.staff) expect(training.filter((r) => r.includes(`,${person.name},${person.role},`))).toHaveLength(person.courses.length);
  });

  it("exports training records as CSV with the list's filters", async () => {
    const header = "certificate,staff,role,store,merchant,course,trained_on,expires_on,result,score,trainer,trainer_kind,state";
    const expired = lines(await csvText(exportRecordsCsv(db, ALL, { state: "expired" }, FIXED_NOW)));
    expect(expired[0]).toBe(header);
    expect(expired).toHaveLength(1 + 8);
    for (const row of expired.slice(1)) expect(row.split(",").at(-1)).toBe("expired");

    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const atXuhui = lines(await csvText(exportRecordsCsv(db, ALL, { storeId: xuhui.id }, FIXED_NOW))).slice(1);
    expect(atXuhui).toHaveLength(15);
    expect(atXuhui.every((r) => r.split(",")[3] === "Demo Coffee Xuhui")).toBe(true);

    // A merchant's export holds its own records only.
    const owner = await recorderFor(demoEmails.merchant);
    const own = lines(await csvText(exportRecordsCsv(db, owner.scope, {}, FIXED_NOW))).slice(1);
    expect(own).toHaveLength(18 + 15);
    expect(own.every((r) => r.split(",")[4] === "Demo Coffee")).toBe(true);
    const unfiltered = lines(await csvText(exportRecordsCsv(db, ALL, {}, FIXED_NOW))).slice(1);
    expect(unfiltered).toHaveLength(141);
  });
});

describe("expiry and compliance, with an injected clock", () => {
  // 20:00 UTC on 9 March is 04:00 on 10 March in Shanghai: the fleet's today is 2026-03-10.
  const NOW = new Date("2026-03-09T20:00:00Z");
  const TODAY = "2026-03-10";
  // A month on: 10:00 on 9 April in Shanghai.
  const LATER = new Date("2026-04-09T02:00:00Z");
  let merchantId: string;
  let storeId: string;
  let emptyStoreId: string;
  let tamper: string;
  const people: Record<"ann" | "bo" | "cy" | "di" | "ed" | "fay", string> = { ann: "", bo: "", cy: "", di: "", ed: "", fay: "" };
  const firstRecord: Record<string, string> = {};

  const storeRow = async (now: Date) => {
    const result = await compliance(ALL, now, { merchantId });
    return { store: result.items.find((s) => s.id === storeId)!, empty: result.items.find((s) => s.id === emptyStoreId)!, summary: result.summary, total: result.total };
  };
  const statesAt = async (now: Date) => {
    const listed = await records(ALL, now, { merchantId, courseId: tamper });
    return new Map(listed.items.map((r) => [r.id, r.state]));
  };

  beforeAll(async () => {
    const merchant = await callers.admin.merchants.create({ name: "Training Test Co", registeredPhone: "+8613100131000", contactName: "Tess Owner", contactEmail: "" });
    merchantId = merchant.id;
    storeId = (await callers.admin.merchants.createStore({ merchantId, name: "Training Test Store", region: "Shanghai" })).id;
    emptyStoreId = (await callers.admin.merchants.createStore({ merchantId, name: "Training Test Empty Store" })).id;
    tamper = await courseId("tamper_spotting");
    // Every person is "other": the built-in catalogue requires only tamper spotting of them.
    for (const key of Object.keys(people) as (keyof typeof people)[]) {
      people[key] = (await createStaff(db, adminActor(), ALL, staffCreateInput.parse({ storeId, name: `Test ${key}`, role: "other" }))).id;
    }
  });

  it("dates a pass by the course's validity, gives a fail no expiry, and uses the fleet's day", async () => {
    const sixMonths = await createCourse(db, adminActor(), courseCreateInput.parse({ title: "Receipt handling (six months)", validityMonths: 6 }));
    const before = await recordCount();
    const result = await session(
      admin,
      { courseId: sixMonths.id, trainedOn: "2025-08-31", trainer: external, attendees: [{ staffId: people.ann }, { staffId: people.bo, result: "failed", score: 40 }] },
      NOW,
    );
    expect(result.expiresOn).toBe("2026-02-28");
    expect(result.records).toHaveLength(2);
    expect(await recordCount()).toBe(before + 2);
    const rows = await db.select().from(trainingRecords).where(eq(trainingRecords.sessionId, result.sessionId));
    expect(rows.find((r) => r.staffId === people.ann)).toMatchObject({
      result: "passed",
      trainedOn: "2025-08-31",
      expiresOn: "2026-02-28",
      trainerKind: "external",
      trainerName: "SafePay Training Ltd.",
      merchantId,
      recordedBy: admin.userId,
    });
    expect(rows.find((r) => r.staffId === people.bo)).toMatchObject({ result: "failed", expiresOn: null, score: 40 });
    // The course is required of nobody, so it does not change anyone's compliance; archive it again.
    await updateCourse(db, adminActor(), { id: sixMonths.id, active: false }, NOW);

    // In UTC it is still 9 March, but the fleet's day is 10 March: a session today is not in the future.
    const today = await session(admin, { courseId: tamper, trainedOn: TODAY, trainer: external, attendees: [{ staffId: people.ed, result: "failed", score: 50 }] }, NOW);
    firstRecord.ed = today.records[0]!.id;
    expect((await db.select().from(trainingRecords).where(eq(trainingRecords.id, firstRecord.ed)))[0]).toMatchObject({ trainedOn: TODAY, expiresOn: null, result: "failed" });
    const tomorrow = await refusal(session(admin, { courseId: tamper, trainedOn: addDays(TODAY, 1), trainer: external, attendees: [{ staffId: people.ed }] }, NOW));
    expect(tomorrow).toMatchObject({ code: "invalid", message: expect.stringMatching(/future/) });
  });

  it("classifies records as current, expiring (to today + 30), expired (from the expiry day), renewed and failed", async () => {
    const pass = async (staffId: string, trainedOn: string) => {
      const result = await session(admin, { courseId: tamper, trainedOn, trainer: external, attendees: [{ staffId }] }, NOW);
      expect(result.expiresOn).toBe(trainingExpiry(trainedOn, 12));
      return result.records[0]!.id;
    };
    firstRecord.ann = await pass(people.ann, "2025-04-09"); // expires 2026-04-09 = today + 30
    firstRecord.bo = await pass(people.bo, "2025-04-10"); // expires 2026-04-10 = today + 31
    firstRecord.cy = await pass(people.cy, "2025-03-10"); // expires 2026-03-10 = today
    firstRecord.di = await pass(people.di, "2025-03-11"); // expires 2026-03-11 = tomorrow
    firstRecord.fay = await pass(people.fay, "2024-06-01"); // expired 2025-06-01, then renewed:
    const fayAgain = await pass(people.fay, "2026-02-01"); // expires 2027-02-01
    expect(addDays(TODAY, 30)).toBe("2026-04-09");

    const states = await statesAt(NOW);
    expect(Object.fromEntries([...Object.entries(firstRecord)].map(([who, id]) => [who, states.get(id)]))).toEqual({
      ann: "expiring",
      bo: "current",
      cy: "expired",
      di: "expiring",
      ed: "failed",
      fay: "renewed",
    });
    expect(states.get(fayAgain)).toBe("current");

    // Each state filter returns exactly its records.
    const expected: Record<TrainingState, string[]> = {
      current: [firstRecord.bo!, fayAgain],
      expiring: [firstRecord.ann!, firstRecord.di!],
      expired: [firstRecord.cy!],
      renewed: [firstRecord.fay!],
      failed: [firstRecord.ed!],
    };
    for (const state of trainingStates) {
      const listed = await records(ALL, NOW, { merchantId, courseId: tamper, state });
      expect(listed.items.map((r) => r.id).sort(), state).toEqual([...expected[state]].sort());
      expect(listed.total, state).toBe(expected[state].length);
    }
  });

  it("moves a store's share as time passes, as people leave and as sessions are recorded", async () => {
    // Today 10 March: Ann and Di expiring, Bo and Fay current; Cy expired, Ed never passed.
    let at = await storeRow(NOW);
    expect(at.store).toMatchObject({ name: "Training Test Store", staff: 6, compliant: 4, expiring: 2 });
    expect(at.store.share).toBeCloseTo(4 / 6, 10);
    expect(at.summary).toEqual({ staff: 6, compliant: 4, expiring: 2, expired: 1, missing: 1 });
    // A store without active staff has no share, rather than 0 % or 100 %.
    expect(at.empty).toMatchObject({ staff: 0, compliant: 0, expiring: 0, share: null });
    expect(at.total).toBe(2);

    // The same data a month on (9 April): Ann's pass expires today, Bo's tomorrow, Di's has expired.
    at = await storeRow(LATER);
    expect(at.store).toMatchObject({ staff: 6, compliant: 2, expiring: 1 });
    expect(at.store.share).toBeCloseTo(2 / 6, 10);
    expect(at.summary).toEqual({ staff: 6, compliant: 2, expiring: 1, expired: 3, missing: 1 });
    const later = await statesAt(LATER);
    expect([later.get(firstRecord.ann!), later.get(firstRecord.bo!), later.get(firstRecord.di!)]).toEqual(["expired", "expiring", "expired"]);

    // Ed leaves: no longer counted.
    const left = await updateStaff(db, adminActor(), ALL, { id: people.ed, active: false }, LATER);
    expect(left).toMatchObject({ active: false, leftOn: "2026-04-09" });
    at = await storeRow(LATER);
    expect(at.store).toMatchObject({ staff: 5, compliant: 2, expiring: 1, share: 0.4 });
    expect(at.summary).toEqual({ staff: 5, compliant: 2, expiring: 1, expired: 3, missing: 0 });
    // Ed's record is kept as evidence, but he is off the active roster.
    expect((await listStaff(db, ALL, { merchantId, status: "active", page: 1, pageSize: 100 }, LATER)).items.map((s) => s.id)).not.toContain(people.ed);
    expect((await records(ALL, LATER, { staffId: people.ed })).items).toHaveLength(1);

    // A session for the three who are out of date brings the store to full compliance.
    const renewal = await session(admin, { courseId: tamper, trainedOn: "2026-04-09", trainer: external, attendees: [{ staffId: people.ann }, { staffId: people.cy }, { staffId: people.di }] }, LATER);
    expect(renewal.expiresOn).toBe("2027-04-09");
    at = await storeRow(LATER);
    expect(at.store).toMatchObject({ staff: 5, compliant: 5, expiring: 1, share: 1 });
    const renewed = await records(ALL, LATER, { merchantId, courseId: tamper, state: "renewed" });
    expect(renewed.items.map((r) => r.id).sort()).toEqual([firstRecord.ann!, firstRecord.cy!, firstRecord.di!, firstRecord.fay!].sort());
    // The roster shows each person's current courses out of those required.
    const roster = await listStaff(db, ALL, { merchantId, status: "active", page: 1, pageSize: 100 }, LATER);
    expect(roster.items.every((s) => s.requiredCourses === 1 && s.currentCourses === 1)).toBe(true);
  });

  it("stops requiring an archived course, and counts a role no course requires as compliant", async () => {
    const gus = (await createStaff(db, adminActor(), ALL, staffCreateInput.parse({ storeId, name: "Test gus", role: "other" }))).id;
    expect((await storeRow(LATER)).store).toMatchObject({ staff: 6, compliant: 5 });

    // A new course required of "other" staff: nobody has it yet.
    const safeRoom = await createCourse(db, adminActor(), courseCreateInput.parse({ title: "Safe-room procedure (test)", requiredFor: ["other"] }));
    expect((await storeRow(LATER)).store).toMatchObject({ staff: 6, compliant: 0, share: 0 });
    expect((await storeRow(LATER)).summary).toMatchObject({ missing: 7 });
    // Archived, it is no longer required.
    await updateCourse(db, adminActor(), { id: safeRoom.id, active: false }, LATER);
    expect((await storeRow(LATER)).store).toMatchObject({ staff: 6, compliant: 5 });

    // With tamper spotting archived too, no active course requires "other" staff: all of them count,
    // Gus (never trained) included. Restored afterwards: the catalogue is shared by every test.
    try {
      await updateCourse(db, adminActor(), { id: tamper, active: false }, LATER);
      const at = await storeRow(LATER);
      expect(at.store).toMatchObject({ staff: 6, compliant: 6, expiring: 0, share: 1 });
      const gusRow = (await listStaff(db, ALL, { merchantId, status: "active", page: 1, pageSize: 100 }, LATER)).items.find((s) => s.id === gus)!;
      expect(gusRow).toMatchObject({ requiredCourses: 0, currentCourses: 0 });
    } finally {
      await updateCourse(db, adminActor(), { id: tamper, active: true }, LATER);
    }
    expect((await storeRow(LATER)).store).toMatchObject({ staff: 6, compliant: 5 });
    const [restored] = await db.select().from(trainingCourses).where(eq(trainingCourses.id, tamper));
    expect(restored).toMatchObject({ active: true, key: "tamper_spotting" });
  });
});

describe("access per role", () => {
  it("shows a merchant only its own staff, records, compliance and evidence", async () => {
    const demoCoffee = await merchantNamed(db, "Demo Coffee");
    const bakery = await merchantNamed(db, "Other Bakery");
    const [demoStaff] = await db.select({ n: count() }).from(staffMembers).where(eq(staffMembers.merchantId, demoCoffee.id));
    const staff = await callers.merchant.training.staff({ status: "all", pageSize: 100 });
    expect(staff.total).toBe(demoStaff!.n);
    expect(staff.items.length).toBeGreaterThan(0);
    expect(staff.items.every((s) => s.merchantId === demoCoffee.id)).toBe(true);
    const bakeryStaff = await callers.otherMerchant.training.staff({ status: "all", pageSize: 100 });
    expect(bakeryStaff.total).toBe(6);
    expect(bakeryStaff.items.every((s) => s.merchantId === bakery.id)).toBe(true);
    // Asking for another merchant by id gives nothing.
    expect((await callers.merchant.training.staff({ merchantId: bakery.id })).total).toBe(0);

    const [demoRecords] = await db.select({ n: count() }).from(trainingRecords).where(eq(trainingRecords.merchantId, demoCoffee.id));
    const listed = await callers.merchant.training.records({ pageSize: 100 });
    expect(listed.total).toBe(demoRecords!.n);
    expect(listed.items.every((r) => r.merchantId === demoCoffee.id)).toBe(true);
    expect((await callers.merchant.training.records({ merchantId: bakery.id })).total).toBe(0);

    const rows = await callers.merchant.training.compliance({ pageSize: 100 });
    expect(rows.items.map((s) => s.name)).toEqual(["Demo Coffee Jing'an", "Demo Coffee Xuhui"]);
    expect(rows.total).toBe(2);
    expect(rows.summary.staff).toBe(11);
    expect((await callers.otherMerchant.training.compliance({ pageSize: 100 })).items.map((s) => s.name)).toEqual(["Other Bakery Chaoyang"]);

    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const chaoyang = await storeNamed(db, "Other Bakery Chaoyang");
    expect((await callers.merchant.training.evidence({ storeId: xuhui.id })).store.name).toBe("Demo Coffee Xuhui");
    expect((await refusal(callers.merchant.training.evidence({ storeId: chaoyang.id }))).code).toBe("NOT_FOUND");
    expect((await refusal(callers.merchant.training.trainers({ merchantId: bakery.id }))).code).toBe("NOT_FOUND");
  });

  it("answers NOT_FOUND for another merchant's evidence, record and staff, and changes nothing", async () => {
    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const [person] = await staffAt("Demo Coffee Xuhui", { role: "manager" });
    const [record] = await db.select().from(trainingRecords).where(eq(trainingRecords.staffId, person!.id));
    const other = callers.otherMerchant.training;

    const evidence = await refusal(other.evidence({ storeId: xuhui.id }));
    // The same answer as for a store that does not exist.
    const nowhere = await refusal(other.evidence({ storeId: "00000000-0000-4000-8000-000000000000" }));
    expect(evidence).toEqual(nowhere);
    expect(evidence.code).toBe("NOT_FOUND");
    expect(evidence.message).not.toContain("Xuhui");

    expect((await refusal(other.record({ id: record!.id }))).code).toBe("NOT_FOUND");
    expect((await callers.merchant.training.record({ id: record!.id })).id).toBe(record!.id);

    expect((await refusal(other.updateStaff({ id: person!.id, name: "Taken Over", active: false }))).code).toBe("NOT_FOUND");
    expect((await refusal(other.deleteRecord({ id: record!.id }))).code).toBe("NOT_FOUND");
    const [unchanged] = await db.select().from(staffMembers).where(eq(staffMembers.id, person!.id));
    expect(unchanged).toMatchObject({ name: person!.name, active: true });
    expect(await db.select({ id: trainingRecords.id }).from(trainingRecords).where(eq(trainingRecords.id, record!.id))).toHaveLength(1);
  });

  it("refuses a merchant's new staff member at another merchant's store, creating nothing", async () => {
    const chaoyang = await storeNamed(db, "Other Bakery Chaoyang");
    const before = await staffCount();
    const created = await auditCount("staff.created");
    const result = await refusal(callers.merchant.training.createStaff({ storeId: chaoyang.id, name: "Intruder Cashier" }));
    expect(result.code).toBe("BAD_REQUEST");
    expect(await staffCount()).toBe(before);
    expect(await auditCount("staff.created")).toBe(created);
    expect(await db.select().from(staffMembers).where(eq(staffMembers.name, "Intruder Cashier"))).toHaveLength(0);

    // Nor can staff be moved to another merchant's store, by the merchant or by an admin.
    const [cashier] = await staffAt("Demo Coffee Jing'an", { role: "cashier", active: true });
    expect((await refusal(callers.merchant.training.updateStaff({ id: cashier!.id, storeId: chaoyang.id }))).code).toBe("BAD_REQUEST");
    expect(await refusal(callers.admin.training.updateStaff({ id: cashier!.id, storeId: chaoyang.id }))).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/their merchant's stores/),
    });
    expect((await db.select().from(staffMembers).where(eq(staffMembers.id, cashier!.id)))[0]!.storeId).toBe(cashier!.storeId);
    // Between the merchant's own stores, it can.
    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    expect(await callers.merchant.training.updateStaff({ id: cashier!.id, storeId: xuhui.id })).toMatchObject({ storeId: xuhui.id });
    await callers.merchant.training.updateStaff({ id: cashier!.id, storeId: cashier!.storeId });
  });

  it("keeps a merchant's roster with an audit trail: staff.created, staff.left, training_record.deleted", async () => {
    const demoCoffee = await merchantNamed(db, "Demo Coffee");
    const owner = await viewerByEmail(db, demoEmails.merchant);
    const jingan = await storeNamed(db, "Demo Coffee Jing'an");
    const member = await callers.merchant.training.createStaff({ storeId: jingan.id, name: "New Cashier", phone: "13800001111" });
    expect(member).toMatchObject({ merchantId: demoCoffee.id, storeId: jingan.id, role: "cashier", phone: "+8613800001111", active: true, leftOn: null });
    const [createdEntry] = await auditFor(member.id);
    expect(createdEntry).toMatchObject({ action: "staff.created", entityType: "staff_member", actorId: owner.id, merchantId: demoCoffee.id });

    // The owner trains them (as the trainer), then removes a record entered by mistake.
    const recorded = await callers.merchant.training.recordSession({
      courseId: await courseId("terminal_operation"),
      trainedOn: SEED_TODAY,
      trainer: { kind: "merchant_owner", name: "Li Wei" },
      attendees: [{ staffId: member.id }],
    });
    const [row] = await db.select().from(trainingRecords).where(eq(trainingRecords.id, recorded.records[0]!.id));
    // The owner is named as written; who recorded it is kept apart.
    expect(row).toMatchObject({ trainerKind: "merchant_owner", trainerUserId: null, trainerName: "Li Wei", recordedBy: owner.id, expiresOn: trainingExpiry(SEED_TODAY, 12) });
    await callers.merchant.training.deleteRecord({ id: row!.id });
    expect(await db.select().from(trainingRecords).where(eq(trainingRecords.id, row!.id))).toHaveLength(0);
    const [deletedEntry] = await auditFor(row!.id);
    expect(deletedEntry).toMatchObject({ action: "training_record.deleted", entityType: "training_record", actorId: owner.id, merchantId: demoCoffee.id });
    expect(deletedEntry!.changes).toMatchObject({ staffId: member.id, trainedOn: SEED_TODAY, result: "passed" });

    const left = await callers.merchant.training.updateStaff({ id: member.id, active: false });
    expect(left).toMatchObject({ active: false, leftOn: localDay(new Date(), "Asia/Shanghai") });
    const trail = await auditFor(member.id);
    expect(trail.map((a) => a.action)).toEqual(["staff.created", "staff.left"]);
    expect(trail[1]!.changes).toMatchObject({ active: { from: true, to: false } });
  });

  it("lets a technician read Demo Coffee's training and record the sessions they gave, and nothing more", async () => {
    const tech = await viewerByEmail(db, demoEmails.technician);
    const demoCoffee = await merchantNamed(db, "Demo Coffee");
    const t = callers.technician.training;
    const staff = await t.staff({ status: "all", pageSize: 100 });
    expect(staff.total).toBeGreaterThan(0);
    expect(staff.items.every((s) => s.merchantId === demoCoffee.id)).toBe(true);
    expect((await t.records({ pageSize: 100 })).items.every((r) => r.merchantId === demoCoffee.id)).toBe(true);
    expect((await t.compliance({ pageSize: 100 })).items.map((s) => s.name)).toEqual(["Demo Coffee Jing'an", "Demo Coffee Xuhui"]);
    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const chaoyang = await storeNamed(db, "Other Bakery Chaoyang");
    expect((await t.evidence({ storeId: xuhui.id })).staff).toHaveLength(6);
    expect((await refusal(t.evidence({ storeId: chaoyang.id }))).code).toBe("NOT_FOUND");

    // The two Xuhui cashiers never trained on card and PIN safety.
    const pin = await courseId("card_pin_safety");
    const evidence = await storeEvidence(db, ALL, xuhui.id);
    const untrained = evidence.staff.filter((s) => s.courses.some((c) => c.courseKey === "card_pin_safety" && c.state === "missing")).map((s) => s.id);
    expect(untrained).toHaveLength(2);
    const [bakeryCashier] = await staffAt("Other Bakery Chaoyang", { role: "cashier", active: true });
    const before = await recordCount();
    const sessionsBefore = await auditCount("training.session_recorded");

    // Naming someone else as the trainer, or staff of a merchant they are not assigned to: refused.
    const asOther = await refusal(
      t.recordSession({ courseId: pin, trainedOn: SEED_TODAY, trainer: { kind: "external", name: "SafePay Training Ltd." }, attendees: untrained.map((staffId) => ({ staffId })) }),
    );
    expect(asOther).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/yourself/) });
    const adminUser = await viewerByEmail(db, demoEmails.admin);
    expect(
      (await refusal(t.recordSession({ courseId: pin, trainedOn: SEED_TODAY, trainer: { kind: "technician", technicianId: adminUser.id }, attendees: untrained.map((staffId) => ({ staffId })) })))
        .code,
    ).toBe("BAD_REQUEST");
    const bakery = await refusal(t.recordSession({ courseId: pin, trainedOn: SEED_TODAY, trainer: { kind: "technician", technicianId: tech.id }, attendees: [{ staffId: bakeryCashier!.id }] }));
    expect(bakery.code).toBe("BAD_REQUEST");
    expect(await recordCount()).toBe(before);

    // Naming themselves for Demo Coffee staff: recorded, with an audit entry.
    const done = await t.recordSession({
      courseId: pin,
      trainedOn: SEED_TODAY,
      trainer: { kind: "technician", technicianId: tech.id },
      notes: "Shield the PIN pad.",
      attendees: untrained.map((staffId) => ({ staffId, score: 90 })),
    });
    expect(done.records).toHaveLength(2);
    expect(done.expiresOn).toBe(trainingExpiry(SEED_TODAY, 12));
    expect(await recordCount()).toBe(before + 2);
    const rows = await db.select().from(trainingRecords).where(eq(trainingRecords.sessionId, done.sessionId));
    expect(
      rows.every(
        (r) => r.trainerKind === "technician" && r.trainerUserId === tech.id && r.trainerName === tech.name && r.recordedBy === tech.id && r.merchantId === demoCoffee.id && r.courseId === pin,
      ),
    ).toBe(true);
    expect(await auditCount("training.session_recorded")).toBe(sessionsBefore + 1);
    const [entry] = await auditFor(done.sessionId);
    expect(entry).toMatchObject({ action: "training.session_recorded", entityType: "training_session", actorId: tech.id, merchantId: demoCoffee.id });
    expect(entry!.changes).toMatchObject({ trainedOn: SEED_TODAY, trainer: tech.name, trainerKind: "technician", records: done.records.map((r) => `TR-${r.number}`) });
    // On the seed's data, Xuhui now lacks only the cashier whose card and PIN pass expired.
    expect((await storeEvidence(db, ALL, xuhui.id, FIXED_NOW)).summary).toMatchObject({ staff: 6, compliant: 5 });

    // The roster and deletions stay with the merchant and admins.
    const [person] = await staffAt("Demo Coffee Xuhui", { role: "manager" });
    expect((await refusal(t.createStaff({ storeId: xuhui.id, name: "Tech's Friend" }))).code).toBe("FORBIDDEN");
    expect((await refusal(t.updateStaff({ id: person!.id, name: "Renamed" }))).code).toBe("FORBIDDEN");
    expect((await refusal(t.deleteRecord({ id: rows[0]!.id }))).code).toBe("FORBIDDEN");
    expect(await recordCount()).toBe(before + 2);
    expect((await db.select().from(staffMembers).where(eq(staffMembers.id, person!.id)))[0]!.name).toBe(person!.name);
  });

  it("lets only admins create and update courses, refuses a duplicate title in any case, and audits both", async () => {
    const courseCount = async () => (await db.select({ n: count() }).from(trainingCourses))[0]!.n;
    const before = await courseCount();
    const pin = await courseId("card_pin_safety");
    for (const caller of [callers.technician, callers.merchant, callers.otherMerchant]) {
      expect((await refusal(caller.training.createCourse({ title: "Not mine to make" }))).code).toBe("FORBIDDEN");
      expect((await refusal(caller.training.updateCourse({ id: pin, validityMonths: 24 }))).code).toBe("FORBIDDEN");
    }
    expect(await courseCount()).toBe(before);
    expect((await callers.merchant.training.courses()).length).toBe(before);

    const duplicate = await refusal(callers.admin.training.createCourse({ title: "  CARD AND pin SAFETY " }));
    // Refused by the service with a message for the title field, not only by the database's unique index.
    expect(duplicate).toEqual({ code: "CONFLICT", message: "A course with this title exists." });
    expect(await courseCount()).toBe(before);

    const adminUser = await viewerByEmail(db, demoEmails.admin);
    const course = await callers.admin.training.createCourse({ title: "Contactless limits", topics: ["When to ask for a PIN"], validityMonths: 24, requiredFor: [] });
    expect(course).toMatchObject({ key: null, validityMonths: 24, active: true });
    expect(await courseCount()).toBe(before + 1);
    expect(await refusal(callers.admin.training.updateCourse({ id: course.id, title: "operating the payment TERMINAL" }))).toEqual({ code: "CONFLICT", message: "A course with this title exists." });
    // Its own title in another case is not a clash.
    await callers.admin.training.updateCourse({ id: course.id, title: "Contactless Limits" });
    await callers.admin.training.updateCourse({ id: course.id, validityMonths: 12 });
    const [after] = await db.select().from(trainingCourses).where(eq(trainingCourses.id, course.id));
    expect(after).toMatchObject({ title: "Contactless Limits", validityMonths: 12 });

    const trail = await auditFor(course.id);
    expect(trail.map((a) => a.action)).toEqual(["training_course.created", "training_course.updated", "training_course.updated"]);
    expect(trail.every((a) => a.actorId === adminUser.id && a.entityType === "training_course")).toBe(true);
    expect(trail[2]!.changes).toEqual({ validityMonths: { from: 24, to: 12 } });
  });
});

describe("a session that breaks a rule", () => {
  it("is refused with a clear error and writes no records", async () => {
    const tech = await viewerByEmail(db, demoEmails.technician);
    const pin = await courseId("card_pin_safety");
    const [demoCashier] = await staffAt("Demo Coffee Jing'an", { role: "cashier", active: true });
    const [bakeryCashier] = await staffAt("Other Bakery Chaoyang", { role: "cashier", active: true });
    const [leaver] = await staffAt("Demo Coffee Jing'an", { active: false });
    expect(leaver).toBeDefined();
    const archived = await callers.admin.training.createCourse({ title: "Old cash-drawer course" });
    await callers.admin.training.updateCourse({ id: archived.id, active: false });
    const asTech = { kind: "technician" as const, technicianId: tech.id };
    const base = { courseId: pin, trainedOn: SEED_TODAY, trainer: asTech };

    const before = await recordCount();
    const sessionsBefore = await auditCount("training.session_recorded");
    // Thunks, run one at a time: each must be refused on its own.
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ["two merchants' staff", () => callers.admin.training.recordSession({ ...base, attendees: [{ staffId: demoCashier!.id }, { staffId: bakeryCashier!.id }] }), /one merchant/],
      ["someone who left", () => callers.admin.training.recordSession({ ...base, attendees: [{ staffId: demoCashier!.id }, { staffId: leaver!.id }] }), new RegExp(`${leaver!.name} left the staff`)],
      ["an archived course", () => callers.admin.training.recordSession({ ...base, courseId: archived.id, attendees: [{ staffId: demoCashier!.id }] }), /archived/],
      [
        "a course that does not exist",
        () => callers.admin.training.recordSession({ ...base, courseId: "00000000-0000-4000-8000-000000000000", attendees: [{ staffId: demoCashier!.id }] }),
        /no longer exists/,
      ],
      ["a future date", () => callers.admin.training.recordSession({ ...base, trainedOn: "2099-01-01", attendees: [{ staffId: demoCashier!.id }] }), /future/],
      ["tomorrow", () => callers.admin.training.recordSession({ ...base, trainedOn: addDays(localDay(new Date(), "Asia/Shanghai"), 1), attendees: [{ staffId: demoCashier!.id }] }), /future/],
      [
        "a duplicate attendee",
        () => callers.admin.training.recordSession({ ...base, attendees: [{ staffId: demoCashier!.id }, { staffId: demoCashier!.id, result: "failed" }] }),
        /attendeeListedTwice/,
      ],
      ["no attendees", () => callers.admin.training.recordSession({ ...base, attendees: [] }), /chooseAttendee/],
      ["an impossible date", () => callers.admin.training.recordSession({ ...base, trainedOn: "2026-02-30", attendees: [{ staffId: demoCashier!.id }] }), /notARealDate/],
      ["a trainer not assigned to the merchant", () => callers.admin.training.recordSession({ ...base, attendees: [{ staffId: bakeryCashier!.id }] }), /not assigned/],
    ];
    for (const [what, call, message] of cases) {
      const result = await refusal(call());
      expect(result.code, what).toBe("BAD_REQUEST");
      expect(result.message, what).toMatch(message);
    }
    expect(await recordCount()).toBe(before);
    expect(await auditCount("training.session_recorded")).toBe(sessionsBefore);

    // The same session without the faults is accepted.
    const ok = await callers.admin.training.recordSession({ ...base, attendees: [{ staffId: demoCashier!.id }] });
    expect(ok.records).toHaveLength(1);
    expect(await recordCount()).toBe(before + 1);
  });

  it("is refused through the service too, whatever the recorder may see", async () => {
    const pin = await courseId("card_pin_safety");
    const [demoCashier] = await staffAt("Demo Coffee Xuhui", { role: "cashier", active: true });
    const [bakeryCashier] = await staffAt("Other Bakery Chaoyang", { role: "cashier", active: true });
    const owner = await recorderFor(demoEmails.merchant);
    const before = await recordCount();
    // A merchant naming another merchant's staff learns only that the attendee was not found.
    const foreign = await refusal(
      session(
        owner,
        { courseId: pin, trainedOn: SEED_TODAY, trainer: { kind: "merchant_owner", name: "Li Wei" }, attendees: [{ staffId: demoCashier!.id }, { staffId: bakeryCashier!.id }] },
        FIXED_NOW,
      ),
    );
    expect(foreign).toMatchObject({ code: "invalid", message: "An attendee was not found." });
    const future = await refusal(session(admin, { courseId: pin, trainedOn: addDays(SEED_TODAY, 1), trainer: external, attendees: [{ staffId: demoCashier!.id }] }, FIXED_NOW));
    expect(future).toMatchObject({ code: "invalid", message: expect.stringMatching(/future/) });
    expect(await recordCount()).toBe(before);
  });
});

// Last: it retires a terminal, which the evidence checks above rely on being in service.
describe("a store's evidence after one of its terminals is retired", () => {
  it("leaves the retired terminal out entirely: from the devices, the overdue inspections and the CSV", async () => {
    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const [terminal] = await db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0005"));
    const before = await storeEvidence(db, ALL, xuhui.id, FIXED_NOW);
    expect(before.overdueInspections.map((w) => w.serialNumber)).toContain("DEMO-0005");

    // Retired the ordinary way, by an admin; its open inspection is not closed by that.
    await callers.admin.terminals.setStatus({ id: terminal!.id, status: "retired", reason: "Replaced" });
    const after = await storeEvidence(db, ALL, xuhui.id, FIXED_NOW);
    expect(after.devices.map((d) => d.serialNumber)).not.toContain("DEMO-0005");
    expect(after.summary.devices).toBe(before.summary.devices - 1);
    const csv = await csvText(evidenceCsv(after));
    expect(csv).not.toContain("DEMO-0005");
    // A device that is no longer at the store has no inspection due there either.
    expect(after.overdueInspections.map((w) => w.serialNumber)).toEqual(["DEMO-0003"]);
    expect(after.summary.overdueInspections).toBe(1);
  });
});

describe("the evidence's inspections", () => {
  it("keeps a terminal's earlier owner's work orders out of its new store's evidence", async () => {
    const chaoyang = await storeNamed(db, "Other Bakery Chaoyang");
    const [moved] = await db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0021"));
    // Demo Coffee had it inspected (a pass); then it went to Other Bakery.
    expect((await storeEvidence(db, ALL, moved!.storeId!, FIXED_NOW)).devices.find((d) => d.serialNumber === "DEMO-0021")!.lastInspection?.result).toBe("pass");
    await db.update(terminals).set({ merchantId: chaoyang.merchantId, storeId: chaoyang.id }).where(eq(terminals.id, moved!.id));
    const evidence = await storeEvidence(db, { kind: "merchants", merchantIds: [chaoyang.merchantId] }, chaoyang.id, FIXED_NOW);
    const device = evidence.devices.find((d) => d.serialNumber === "DEMO-0021")!;
    expect(device.lastInspection).toBeNull();
    expect(device.nextInspection).toBeNull();
    expect(await csvText(evidenceCsv(evidence))).toMatch(/device,DEMO-0021,.*,never,/);
  });

  it("counts only a tamper check answered pass or fail as an inspection, and no repair as a due inspection", async () => {
    const chaoyang = await storeNamed(db, "Other Bakery Chaoyang");
    const [bake3] = await db.select().from(terminals).where(eq(terminals.serialNumber, "BAKE-0003"));
    const common = { terminalId: bake3!.id, merchantId: chaoyang.merchantId, storeId: chaoyang.id };
    await db.insert(workOrders).values([
      {
        ...common,
        type: "repair",
        status: "done",
        title: "Printer",
        dueDate: "2026-11-01",
        completedAt: new Date("2026-11-02T03:00:00Z"),
        checklist: [{ key: "tamper_inspection", tamper: true, result: "na" }],
      },
      { ...common, type: "repair", status: "open", title: "Keys", dueDate: "2026-11-05", checklist: [{ key: "tamper_inspection", tamper: true }] },
    ]);
    const evidence = await storeEvidence(db, ALL, chaoyang.id, FIXED_NOW);
    const device = evidence.devices.find((d) => d.serialNumber === "BAKE-0003")!;
    expect(device.lastInspection).toBeNull();
    expect(device.nextInspection).toBeNull();
    expect(evidence.overdueInspections.map((w) => w.serialNumber)).not.toContain("BAKE-0003");
  });
});

describe("renewal lists and the compliance figures", () => {
  it("list for renewal only courses the person's role requires, as the compliance counts do", async () => {
    const chaoyang = await storeNamed(db, "Other Bakery Chaoyang");
    const [clerk] = await staffAt("Other Bakery Chaoyang", { role: "other", active: true });
    const before = await compliance(ALL, FIXED_NOW);
    const expiringBefore = (await records(ALL, FIXED_NOW, { state: "expiring" })).total;
    // A course a stock clerk need not take, passed a year ago less ten days: it expires within the month.
    await session(
      admin,
      { courseId: await courseId("terminal_operation"), trainedOn: addDays(SEED_TODAY, -355), trainer: external, attendees: [{ staffId: clerk!.id }] },
      new Date(`${addDays(SEED_TODAY, -355)}T08:00:00Z`),
    );
    expect((await records(ALL, FIXED_NOW, { state: "expiring" })).total).toBe(expiringBefore);
    const after = await compliance(ALL, FIXED_NOW);
    expect(after.summary).toEqual(before.summary);
    expect(after.items.find((s) => s.id === chaoyang.id)).toEqual(before.items.find((s) => s.id === chaoyang.id));
  });

  it("refuses a session dated before 2000", () => {
    const result = sessionInput.safeParse({
      courseId: "00000000-0000-4000-8000-000000000000",
      trainedOn: "1999-12-31",
      trainer: external,
      attendees: [{ staffId: "00000000-0000-4000-8000-000000000001" }],
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(["trainedOn"]);
  });
});

// Last: it re-seeds the demo data.
describe("a built-in course an admin rewords", () => {
  it("keeps its key, so the console stops translating it and the demo data can still be seeded", async () => {
    const id = await courseId("card_pin_safety");
    await updateCourse(db, adminActor(), { id, topics: ["Shield the PIN pad", "Keep the card in sight"] });
    const [stored] = await db.select().from(trainingCourses).where(eq(trainingCourses.id, id));
    expect(stored).toMatchObject({ key: "card_pin_safety", reworded: true });
    const listed = (await callers.admin.training.courses()).find((c) => c.id === id)!;
    // The console translates by this key; a reworded course shows the admin's words.
    expect(listed.key).toBeNull();
    expect((await callers.admin.training.courses()).find((c) => c.title === "Operating the payment terminal")!.key).toBe("terminal_operation");

    await clearFleetData(db);
    await seedDemo(db, FIXED_NOW);
    const seeded = await db.select({ n: count() }).from(trainingRecords).where(eq(trainingRecords.courseId, id));
    expect(seeded[0]!.n).toBeGreaterThan(0);
  });
});
