import { randomUUID } from "node:crypto";
import { and, asc, count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { Db, DbHandle } from "@/db/client";
import { auditLog, merchants, noticeDeliveries, noticeReads, notices, rollouts, smsOutbox, stores, technicianAssignments, terminalModels, terminals, updateJobs, users } from "@/db/schema";
import { NOTICE_SMS_PER_PHONE_PER_DAY, openJobStatuses, type NoticeReaderRole } from "@/db/schema/values";
import { findDeviceRoute } from "@/server/device-api/endpoints";
import { audienceInput, noticeCreateInput, noticeUpdateInput } from "@/server/schemas/notices";
import type { AuditActor } from "@/server/services/audit";
import { reissueDeviceToken, type AuthenticatedDevice } from "@/server/services/device-tokens";
import { processHeartbeat } from "@/server/services/heartbeat";
import {
  acknowledgeNotice,
  createNotice,
  createRolloutNotice,
  deleteDraft,
  getNotice,
  inbox,
  previewAudience,
  publishDueNotices,
  publishNotice,
  readNotice,
  scheduleNotice,
  unreadSummary,
  updateNotice,
  withdrawNotice,
} from "@/server/services/notices";
import { deliverDueSms } from "@/server/sms/outbox";
import type { SmsMessage, SmsProvider } from "@/server/sms/providers";
import { scopeForUser, type Scope } from "@/server/scope";
import { callerFor, createTestDatabase, demoCallers, demoEmails, FIXED_NOW, merchantNamed, storeNamed, viewerByEmail } from "../helpers/db";
import { refusal } from "../helpers/refusal";

let handle: DbHandle;
let db: Db;
let callers: Awaited<ReturnType<typeof demoCallers>>;
let admin: AuditActor;

// The seed's clock; the seeded scheduled notice is due a minute later.
const T = FIXED_NOW;
const at = (minutes: number, from: Date = T) => new Date(from.getTime() + minutes * 60_000);

type AudienceFields = z.input<typeof audienceInput>;

/** Users added to the demo ones, so every rule of who reads a notice has someone to catch. */
const extraUsers: { email: string; name: string; role: "merchant" | "technician"; merchant?: string; assigned?: string[]; disabled?: boolean }[] = [
  { email: "owner-b@notices.test", name: "Bo Second Owner", role: "merchant", merchant: "Demo Coffee" },
  { email: "owner-off@notices.test", name: "Dee Disabled Owner", role: "merchant", merchant: "Demo Coffee", disabled: true },
  { email: "owner-harbor@notices.test", name: "Hana Harbor Owner", role: "merchant", merchant: "Harbor Books" },
  { email: "tech-bakery@notices.test", name: "Tara Bakery Technician", role: "technician", assigned: ["Other Bakery"] },
  { email: "tech-off@notices.test", name: "Ted Disabled Technician", role: "technician", assigned: ["Demo Coffee"], disabled: true },
  { email: "tech-free@notices.test", name: "Una Unassigned Technician", role: "technician" },
];

async function modelNamed(model: string) {
  const [row] = await db.select().from(terminalModels).where(eq(terminalModels.model, model));
  if (!row) throw new Error(`no model ${model}`);
  return row;
}
async function terminalNamed(serial: string) {
  const [row] = await db.select().from(terminals).where(eq(terminals.serialNumber, serial));
  if (!row) throw new Error(`no terminal ${serial}`);
  return row;
}
async function userNamed(email: string) {
  const [row] = await db.select().from(users).where(eq(users.email, email));
  if (!row) throw new Error(`no user ${email}`);
  return row;
}
const callerOf = async (email: string) => callerFor(db, await viewerByEmail(db, email));

/** The whole fleet with each terminal's region, to work out audiences independently of the service's SQL. */
const fleet = () =>
  db
    .select({
      id: terminals.id,
      serial: terminals.serialNumber,
      status: terminals.status,
      merchantId: terminals.merchantId,
      storeId: terminals.storeId,
      modelId: terminals.modelId,
      firmwareVersion: terminals.firmwareVersion,
      region: stores.region,
    })
    .from(terminals)
    .leftJoin(stores, eq(stores.id, terminals.storeId));
type FleetTerminal = Awaited<ReturnType<typeof fleet>>[number];
const inService = (t: FleetTerminal) => t.merchantId !== null && (t.status === "active" || t.status === "faulty");

async function expectedTerminals(match: (t: FleetTerminal) => boolean) {
  const reached = (await fleet()).filter((t) => inService(t) && match(t));
  return { serials: reached.map((t) => t.serial).sort(), merchantIds: [...new Set(reached.map((t) => t.merchantId!))].sort() };
}

/** The enabled owners and assigned technicians of these merchants, for the chosen roles. */
async function expectedReaders(merchantIds: string[], roles: NoticeReaderRole[] = ["merchant", "technician"]) {
  const all = await db.select().from(users);
  const assignments = await db.select().from(technicianAssignments);
  return all
    .filter(
      (u) =>
        !u.disabled &&
        ((roles.includes("merchant") && u.role === "merchant" && u.merchantId !== null && merchantIds.includes(u.merchantId)) ||
          (roles.includes("technician") && u.role === "technician" && assignments.some((a) => a.technicianId === u.id && merchantIds.includes(a.merchantId)))),
    )
    .map((u) => ({ email: u.email, role: u.role }))
    .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

/** Who a notice was addressed to: its read receipts (by email) and deliveries (by serial). */
async function receiptsOf(noticeId: string) {
  const reads = await db.select({ email: users.email, readAt: noticeReads.readAt }).from(noticeReads).innerJoin(users, eq(users.id, noticeReads.userId)).where(eq(noticeReads.noticeId, noticeId));
  const deliveries = await db
    .select({
      serial: terminals.serialNumber,
      merchantId: noticeDeliveries.merchantId,
      terminalMerchantId: terminals.merchantId,
      deliveredAt: noticeDeliveries.deliveredAt,
      ackedAt: noticeDeliveries.ackedAt,
    })
    .from(noticeDeliveries)
    .innerJoin(terminals, eq(terminals.id, noticeDeliveries.terminalId))
    .where(eq(noticeDeliveries.noticeId, noticeId));
  return { readers: reads.map((r) => r.email).sort(), terminals: deliveries.map((d) => d.serial).sort(), reads, deliveries };
}

const noticeRow = async (id: string) => (await db.select().from(notices).where(eq(notices.id, id)))[0];
const noticeCount = async () => (await db.select({ n: count() }).from(notices))[0]!.n;
const auditCount = async () => (await db.select({ n: count() }).from(auditLog))[0]!.n;
const auditOf = (id: string, action?: string) =>
  db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entityType, "notice"), eq(auditLog.entityId, id), action ? eq(auditLog.action, action) : undefined))
    .orderBy(asc(auditLog.id));

/** A draft through the service, at the seed's clock unless told otherwise. */
function draft(fields: Record<string, unknown> & { audience: AudienceFields }, now: Date = T) {
  return createNotice(db, admin, noticeCreateInput.parse({ title: "Test notice", body: "Something to know.", channels: { inbox: true, terminals: true }, ...fields }), now);
}
async function published(fields: Record<string, unknown> & { audience: AudienceFields }, now: Date = T) {
  const notice = await draft(fields, now);
  const result = await publishNotice(db, admin, notice.id, now);
  return { notice, result };
}

const deviceOf = (t: { id: string; serialNumber: string; merchantId: string | null }): AuthenticatedDevice => ({ terminalId: t.id, serialNumber: t.serialNumber, merchantId: t.merchantId });

/** A heartbeat through the service with an injected clock, reporting the firmware the terminal runs (so audiences by version stay put). */
async function heartbeatAt(serial: string, now: Date) {
  const t = await terminalNamed(serial);
  return processHeartbeat(db, deviceOf(t), { firmwareVersion: t.firmwareVersion! }, now);
}

const tokens = new Map<string, string>();
async function tokenOf(serial: string) {
  if (!tokens.has(serial)) tokens.set(serial, (await reissueDeviceToken(db, admin, (await terminalNamed(serial)).id)).deviceToken);
  return tokens.get(serial)!;
}

/** A device API request through the same routing as the production server's device lane. */
async function deviceRequest(serial: string, path: string, body: unknown) {
  const found = findDeviceRoute("POST", path);
  if (!("route" in found)) throw new Error(`no device route for ${path}`);
  const req = new Request(`http://localhost/api/device/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenOf(serial)}` },
    body: JSON.stringify(body),
  });
  return found.route.serve(db, req, found.params);
}
async function heartbeatRequest(serial: string) {
  const t = await terminalNamed(serial);
  const response = await deviceRequest(serial, "/heartbeat", { firmwareVersion: t.firmwareVersion });
  expect(response.status).toBe(200);
  return (await response.json()) as { serverTime: string; notices: Record<string, unknown>[] };
}
const ackRequest = (serial: string, noticeId: string) => deviceRequest(serial, `/notices/${noticeId}/ack`, {});

async function expectDeviceError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
}

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.db;
  callers = await demoCallers(db);
  const adminViewer = await viewerByEmail(db, demoEmails.admin);
  admin = { id: adminViewer.id, label: adminViewer.email, ip: null };
  for (const u of extraUsers) {
    const id = randomUUID();
    await db
      .insert(users)
      .values({ id, name: u.name, email: u.email, emailVerified: true, role: u.role, merchantId: u.merchant ? (await merchantNamed(db, u.merchant)).id : null, disabled: u.disabled ?? false });
    for (const m of u.assigned ?? []) await db.insert(technicianAssignments).values({ technicianId: id, merchantId: (await merchantNamed(db, m)).id });
  }
});
afterAll(async () => handle?.close());

// ---------------------------------------------------------------- scheduling (first: it owns the seeded scheduled notice)

describe("scheduling with an injected clock", () => {
  it("starts from the seed: one scheduled notice a minute after the seed clock, and a draft", async () => {
    const rows = await db.select().from(notices);
    expect(rows.map((n) => n.status).sort()).toEqual(["draft", "scheduled"]);
    const seeded = rows.find((n) => n.status === "scheduled")!;
    expect(seeded.publishAt!.toISOString()).toBe(at(1).toISOString());
    expect(seeded.audience.everyone).toBe(true);
  });

  it("refuses a publish time in the past, when creating and when scheduling", async () => {
    const before = await noticeCount();
    expect(await refusal(draft({ audience: { everyone: true }, publishAt: at(-1) }))).toMatchObject({ code: "invalid", message: expect.stringMatching(/future/) });
    expect(await refusal(draft({ audience: { everyone: true }, publishAt: T }))).toMatchObject({ code: "invalid" });
    expect(await noticeCount()).toBe(before);

    // Made while its time was ahead; scheduled once that time has passed.
    const late = await draft({ title: "Too late", audience: { everyone: true }, publishAt: at(5) });
    expect(await refusal(scheduleNotice(db, admin, late.id, at(5)))).toMatchObject({ code: "invalid", message: expect.stringMatching(/future/) });
    expect(await refusal(scheduleNotice(db, admin, late.id, at(6)))).toMatchObject({ code: "invalid" });
    expect((await noticeRow(late.id))!.status).toBe("draft");
    expect(await auditOf(late.id, "notice.scheduled")).toHaveLength(0);
    // A draft without a time cannot be scheduled either.
    const timeless = await draft({ title: "No time", audience: { everyone: true } });
    expect(await refusal(scheduleNotice(db, admin, timeless.id, T))).toMatchObject({ code: "invalid" });
    await deleteDraft(db, admin, late.id);
    await deleteDraft(db, admin, timeless.id);
  });

  it("publishes a due notice once, at its time, however many instances run the job", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const due = await draft({ title: "Due at half past", audience: { merchantIds: [demo.id] }, publishAt: at(30) });
    expect(await scheduleNotice(db, admin, due.id, T)).toEqual({ id: due.id, status: "scheduled" });
    expect(await auditOf(due.id, "notice.scheduled")).toHaveLength(1);
    // Scheduling again is a conflict: it is no longer a draft.
    expect(await refusal(scheduleNotice(db, admin, due.id, T))).toMatchObject({ code: "conflict" });

    expect(await publishDueNotices(db, T)).toEqual({ published: 0 });
    expect(await publishDueNotices(db, at(0.5))).toEqual({ published: 0 });
    expect((await noticeRow(due.id))!.status).toBe("scheduled");

    // The seeded notice is due a minute after the seed clock: the job publishes it to everyone.
    const [seeded] = await db.select().from(notices).where(eq(notices.status, "scheduled")).orderBy(asc(notices.publishAt)).limit(1);
    expect(seeded!.id).not.toBe(due.id);
    expect(await publishDueNotices(db, at(1))).toEqual({ published: 1 });
    const seededAfter = (await noticeRow(seeded!.id))!;
    expect(seededAfter.status).toBe("published");
    expect(seededAfter.publishedAt!.toISOString()).toBe(at(1).toISOString());
    const everyone = await expectedTerminals(() => true);
    const everyoneReaders = await expectedReaders((await db.select().from(merchants)).map((m) => m.id));
    const seededReceipts = await receiptsOf(seeded!.id);
    expect(seededReceipts.terminals).toEqual(everyone.serials);
    expect(seededReceipts.readers).toEqual(everyoneReaders.map((r) => r.email));
    const seededAudit = await auditOf(seeded!.id, "notice.published");
    expect(seededAudit).toHaveLength(1);
    expect(seededAudit[0]!.actorLabel).toBe("system");

    // A millisecond early: nothing.
    expect(await publishDueNotices(db, new Date(at(30).getTime() - 1))).toEqual({ published: 0 });
    expect((await noticeRow(due.id))!.status).toBe("scheduled");
    expect((await receiptsOf(due.id)).readers).toEqual([]);

    // Three instances at its time: one publishes it.
    const runs = await Promise.all([publishDueNotices(db, at(30)), publishDueNotices(db, at(30)), publishDueNotices(db, at(30))]);
    expect(runs.reduce((sum, r) => sum + r.published, 0)).toBe(1);
    const after = (await noticeRow(due.id))!;
    expect(after.status).toBe("published");
    expect(after.publishedAt!.toISOString()).toBe(at(30).toISOString());
    const expected = await expectedTerminals((t) => t.merchantId === demo.id);
    const receipts = await receiptsOf(due.id);
    expect(receipts.terminals).toEqual(expected.serials);
    expect(receipts.readers).toEqual((await expectedReaders([demo.id])).map((r) => r.email));
    const publishedAudit = await auditOf(due.id, "notice.published");
    expect(publishedAudit).toHaveLength(1);
    expect(publishedAudit[0]!).toMatchObject({ actorLabel: "system", actorId: null });
    expect(publishedAudit[0]!.changes).toMatchObject({ readers: receipts.readers.length, terminals: receipts.terminals.length });

    // Later runs find nothing more.
    expect(await publishDueNotices(db, at(40))).toEqual({ published: 0 });
    expect(await auditOf(due.id, "notice.published")).toHaveLength(1);
    await withdrawNotice(db, admin, due.id, at(41));
  });

  it("puts a scheduled notice that expired before its time back to draft, and goes on with the queue", async () => {
    const expired = await draft({ title: "Expires before it is due", audience: { everyone: true }, publishAt: at(50), expiresAt: at(55) });
    const next = await draft({ title: "Due after the expired one", audience: { everyone: true }, channels: { inbox: true }, publishAt: at(52) });
    await scheduleNotice(db, admin, expired.id, T);
    await scheduleNotice(db, admin, next.id, T);

    expect(await publishDueNotices(db, at(60))).toEqual({ published: 1 });
    const back = (await noticeRow(expired.id))!;
    expect(back.status).toBe("draft");
    expect(back.publishedAt).toBeNull();
    expect(await receiptsOf(expired.id)).toMatchObject({ readers: [], terminals: [] });
    const unscheduled = await auditOf(expired.id, "notice.unscheduled");
    expect(unscheduled).toHaveLength(1);
    expect(unscheduled[0]!.actorLabel).toBe("system");
    expect(await auditOf(expired.id, "notice.published")).toHaveLength(0);
    expect((await noticeRow(next.id))!.status).toBe("published");
    await withdrawNotice(db, admin, next.id, at(61));
    await deleteDraft(db, admin, expired.id);
  });

  it("does not publish a scheduled notice that was withdrawn or taken back to draft", async () => {
    const withdrawn = await draft({ title: "Withdrawn while scheduled", audience: { everyone: true }, publishAt: at(70) });
    const unset = await draft({ title: "Time taken away", audience: { everyone: true }, publishAt: at(71) });
    await scheduleNotice(db, admin, withdrawn.id, T);
    await scheduleNotice(db, admin, unset.id, T);
    await withdrawNotice(db, admin, withdrawn.id, at(1));
    const updated = await updateNotice(db, admin, noticeUpdateInput.parse({ id: unset.id, publishAt: null }), at(1));
    expect(updated.status).toBe("draft");
    expect(await publishDueNotices(db, at(80))).toEqual({ published: 0 });
    expect((await noticeRow(withdrawn.id))!.status).toBe("withdrawn");
    expect((await noticeRow(unset.id))!.status).toBe("draft");
    await deleteDraft(db, admin, unset.id);
  });
});

// ---------------------------------------------------------------- audience

/**
 * Previews an audience, then publishes a notice to it (inbox and terminals) and checks the
 * receipts against the terminals and readers worked out here; withdraws it afterwards.
 */
async function expectAudience(input: AudienceFields, expected: { serials: string[]; merchantIds: string[]; readers: { email: string; role: string }[] }) {
  const audience = audienceInput.parse(input);
  const merchantRows = (await db.select().from(merchants)).filter((m) => expected.merchantIds.includes(m.id));
  expect(await previewAudience(db, audience)).toEqual({
    terminals: expected.serials.length,
    merchants: expected.merchantIds.length,
    merchantUsers: expected.readers.filter((r) => r.role === "merchant").length,
    technicians: expected.readers.filter((r) => r.role === "technician").length,
    smsPhones: new Set(merchantRows.map((m) => m.registeredPhone)).size,
  });
  const { notice, result } = await published({ title: "Audience check", audience: input });
  expect(result).toMatchObject({ status: "published", readers: expected.readers.length, terminals: expected.serials.length, merchants: expected.merchantIds.length });
  const receipts = await receiptsOf(notice.id);
  expect(receipts.terminals).toEqual(expected.serials);
  expect(receipts.readers).toEqual(expected.readers.map((r) => r.email));
  // Each delivery names the terminal's merchant, and nothing is delivered or read yet.
  for (const d of receipts.deliveries) expect(d).toMatchObject({ merchantId: d.terminalMerchantId, deliveredAt: null, ackedAt: null });
  for (const r of receipts.reads) expect(r.readAt).toBeNull();
  await withdrawNotice(db, admin, notice.id, T);
  return receipts;
}

describe("audience resolution", () => {
  it("has the terminals and users the checks below rely on", async () => {
    const statuses = Object.fromEntries(
      await Promise.all(["HRB-0005", "HRB-0006", "HRB-0008", "LNH-0005", "DEMO-0101", "DEMO-0001", "BAKE-0001"].map(async (s) => [s, (await terminalNamed(s)).status] as const)),
    );
    expect(statuses).toEqual({ "HRB-0005": "suspended", "HRB-0006": "faulty", "HRB-0008": "retired", "LNH-0005": "suspended", "DEMO-0101": "in_stock", "DEMO-0001": "active", "BAKE-0001": "active" });
    expect((await userNamed("owner-off@notices.test")).disabled).toBe(true);
    expect((await userNamed("tech-off@notices.test")).disabled).toBe(true);
  });

  it("everyone: every terminal in service and every merchant's owners and assigned technicians", async () => {
    const all = await db.select().from(merchants);
    const expected = await expectedTerminals(() => true);
    const readers = await expectedReaders(all.map((m) => m.id));
    expect(readers.map((r) => r.email)).toEqual([
      "owner-b@notices.test",
      "owner-harbor@notices.test",
      demoEmails.otherMerchant,
      demoEmails.merchant,
      "tech-bakery@notices.test",
      demoEmails.technician,
    ]);
    const receipts = await expectAudience({ everyone: true }, { serials: expected.serials, merchantIds: all.map((m) => m.id).sort(), readers });
    // Never an admin, a disabled user, or a technician assigned nowhere.
    for (const email of [demoEmails.admin, "owner-off@notices.test", "tech-off@notices.test", "tech-free@notices.test"]) expect(receipts.readers).not.toContain(email);
    // Never a suspended, retired or in-stock terminal; a faulty one is still in service.
    for (const serial of ["HRB-0005", "HRB-0008", "LNH-0005", "DEMO-0101", "DEMO-0110"]) expect(receipts.terminals).not.toContain(serial);
    expect(receipts.terminals).toContain("HRB-0006");
    expect(receipts.terminals).toContain("BAKE-0010");
  });

  it("a merchant: its terminals in service, its owners and technicians, not its disabled users", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const expected = await expectedTerminals((t) => t.merchantId === demo.id);
    expect(expected.serials).toHaveLength(40);
    const readers = await expectedReaders([demo.id]);
    expect(readers.map((r) => r.email)).toEqual(["owner-b@notices.test", demoEmails.merchant, demoEmails.technician]);
    const receipts = await expectAudience({ merchantIds: [demo.id] }, { serials: expected.serials, merchantIds: [demo.id], readers });
    expect(receipts.terminals.some((s) => s >= "DEMO-0101")).toBe(false);
    expect(receipts.readers).not.toContain("owner-off@notices.test");
    expect(receipts.readers).not.toContain("tech-off@notices.test");
    expect(receipts.readers).not.toContain(demoEmails.otherMerchant);
  });

  it("a store: the store's terminals, and its merchant's people", async () => {
    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const expected = await expectedTerminals((t) => t.storeId === xuhui.id);
    expect(expected.serials.length).toBeGreaterThan(0);
    expect(expected.serials.length).toBeLessThan(40);
    await expectAudience({ storeIds: [xuhui.id] }, { serials: expected.serials, merchantIds: [xuhui.merchantId], readers: await expectedReaders([xuhui.merchantId]) });
  });

  it("a region: the terminals at its stores, and those stores' merchants' people", async () => {
    const harbor = await merchantNamed(db, "Harbor Books");
    const expected = await expectedTerminals((t) => t.region === "Guangzhou");
    expect(expected.merchantIds).toEqual([harbor.id]);
    const receipts = await expectAudience({ regions: ["Guangzhou"] }, { serials: expected.serials, merchantIds: [harbor.id], readers: await expectedReaders([harbor.id]) });
    expect(receipts.readers).toEqual(["owner-harbor@notices.test"]);
    expect(receipts.terminals).toContain("HRB-0006");
    expect(receipts.terminals).not.toContain("HRB-0005");
    expect(receipts.terminals).not.toContain("HRB-0008");
  });

  it("a model: its terminals in service at any merchant, and the people of the merchants reached", async () => {
    const move = await modelNamed("Move/5000");
    const expected = await expectedTerminals((t) => t.modelId === move.id);
    expect(expected.merchantIds.length).toBeGreaterThan(1);
    await expectAudience({ modelIds: [move.id] }, { ...expected, readers: await expectedReaders(expected.merchantIds) });
  });

  it("a firmware version: the terminals in service running it", async () => {
    const expected = await expectedTerminals((t) => t.firmwareVersion === "5.2.3");
    expect(expected.serials.length).toBeGreaterThan(0);
    const receipts = await expectAudience({ firmwareVersions: ["5.2.3"] }, { ...expected, readers: await expectedReaders(expected.merchantIds) });
    const versions = await db.select({ v: terminals.firmwareVersion }).from(terminals).where(inArray(terminals.serialNumber, receipts.terminals));
    expect(new Set(versions.map((v) => v.v))).toEqual(new Set(["5.2.3"]));
  });

  it("a rollout: the terminals it has still to update", async () => {
    const [rollout] = await db.select().from(rollouts).where(eq(rollouts.name, "P2 3.2.0 security patch"));
    const jobTerminals = new Set(
      (
        await db
          .select({ id: updateJobs.terminalId })
          .from(updateJobs)
          .where(and(eq(updateJobs.rolloutId, rollout!.id), inArray(updateJobs.status, [...openJobStatuses])))
      ).map((j) => j.id),
    );
    expect(jobTerminals.size).toBeGreaterThan(0);
    const expected = await expectedTerminals((t) => jobTerminals.has(t.id));
    expect(expected.serials).toHaveLength(jobTerminals.size);
    await expectAudience({ rolloutId: rollout!.id }, { ...expected, readers: await expectedReaders(expected.merchantIds) });
  });

  it("combinations: places add up (store ∪ merchant), device filters narrow (region ∩ model)", async () => {
    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const bakery = await merchantNamed(db, "Other Bakery");
    const union = await expectedTerminals((t) => t.storeId === xuhui.id || t.merchantId === bakery.id);
    const readers = await expectedReaders([xuhui.merchantId, bakery.id]);
    expect(readers.map((r) => r.email)).toEqual(["owner-b@notices.test", demoEmails.otherMerchant, demoEmails.merchant, "tech-bakery@notices.test", demoEmails.technician]);
    await expectAudience({ storeIds: [xuhui.id], merchantIds: [bakery.id] }, { serials: union.serials, merchantIds: [xuhui.merchantId, bakery.id].sort(), readers });

    const a920 = await modelNamed("A920 Pro");
    const shanghai = await expectedTerminals((t) => t.region === "Shanghai");
    const narrowed = await expectedTerminals((t) => t.region === "Shanghai" && t.modelId === a920.id);
    expect(narrowed.serials.length).toBeGreaterThan(0);
    expect(narrowed.serials.length).toBeLessThan(shanghai.serials.length);
    // Other Bakery has A920 Pro terminals too, in Beijing: not reached.
    expect((await expectedTerminals((t) => t.merchantId === bakery.id && t.modelId === a920.id)).serials.length).toBeGreaterThan(0);
    await expectAudience({ regions: ["Shanghai"], modelIds: [a920.id] }, { ...narrowed, readers: await expectedReaders(narrowed.merchantIds) });

    // A chosen merchant none of whose terminals pass the device filter has no readers.
    const demo = await merchantNamed(db, "Demo Coffee");
    const harbor = await merchantNamed(db, "Harbor Books");
    const [p2Rollout] = await db.select().from(rollouts).where(eq(rollouts.name, "P2 3.2.0 security patch"));
    const jobTerminals = new Set((await db.select({ id: updateJobs.terminalId }).from(updateJobs).where(eq(updateJobs.rolloutId, p2Rollout!.id))).map((j) => j.id));
    const reached = await expectedTerminals((t) => (t.merchantId === demo.id || t.merchantId === harbor.id) && jobTerminals.has(t.id));
    expect(reached.merchantIds).toEqual([harbor.id]);
    const receipts = await expectAudience({ merchantIds: [demo.id, harbor.id], rolloutId: p2Rollout!.id }, { ...reached, readers: await expectedReaders([harbor.id]) });
    expect(receipts.readers).toEqual(["owner-harbor@notices.test"]);
  });

  it("roles: owners only, or technicians only (each technician for the merchants assigned)", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const bakery = await merchantNamed(db, "Other Bakery");
    const demoTerminals = await expectedTerminals((t) => t.merchantId === demo.id);
    const owners = await expectAudience({ merchantIds: [demo.id], roles: ["merchant"] }, { ...demoTerminals, readers: await expectedReaders([demo.id], ["merchant"]) });
    expect(owners.readers).toEqual(["owner-b@notices.test", demoEmails.merchant]);
    const technicians = await expectAudience({ merchantIds: [demo.id], roles: ["technician"] }, { ...demoTerminals, readers: await expectedReaders([demo.id], ["technician"]) });
    expect(technicians.readers).toEqual([demoEmails.technician]);
    // Tom is assigned to Demo Coffee only: Other Bakery's technician notice is Tara's alone.
    const bakeryTerminals = await expectedTerminals((t) => t.merchantId === bakery.id);
    const bakeryTechnicians = await expectAudience({ merchantIds: [bakery.id], roles: ["technician"] }, { ...bakeryTerminals, readers: await expectedReaders([bakery.id], ["technician"]) });
    expect(bakeryTechnicians.readers).toEqual(["tech-bakery@notices.test"]);
  });

  it("fixes the receipts at publication: a user added later does not get the notice", async () => {
    const lotus = await merchantNamed(db, "Lotus Noodle House");
    const { notice } = await published({ title: "Before the new owner", audience: { merchantIds: [lotus.id] } });
    expect((await receiptsOf(notice.id)).readers).toEqual([]);
    const id = randomUUID();
    await db.insert(users).values({ id, name: "Late Lotus Owner", email: "owner-late-lotus@notices.test", role: "merchant", merchantId: lotus.id });
    expect((await previewAudience(db, audienceInput.parse({ merchantIds: [lotus.id] }))).merchantUsers).toBe(1);
    expect((await receiptsOf(notice.id)).readers).toEqual([]);
    expect((await inbox(db, id, { kind: "merchants", merchantIds: [lotus.id] }, { pageSize: 25, page: 1 }, T)).items).toEqual([]);
    await withdrawNotice(db, admin, notice.id, T);
    await db.delete(users).where(eq(users.id, id));
  });
});

// ---------------------------------------------------------------- tenant isolation

describe("tenant isolation", () => {
  it("shows a notice for Demo Coffee only to Demo Coffee's readers", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const { notice } = await published({ title: "For Demo Coffee only", severity: "critical", audience: { merchantIds: [demo.id] } });

    const ownInbox = await callers.merchant.notices.inbox({});
    expect(ownInbox.items.map((n) => n.id)).toContain(notice.id);
    expect((await callers.technician.notices.inbox({})).items.map((n) => n.id)).toContain(notice.id);
    expect((await callers.merchant.notices.unread()).critical.map((n) => n.id)).toContain(notice.id);

    const techBakery = await callerOf("tech-bakery@notices.test");
    for (const [who, caller] of [
      ["other merchant's owner", callers.otherMerchant],
      ["unassigned technician", techBakery],
      ["admin", callers.admin],
    ] as const) {
      const box = await caller.notices.inbox({ pageSize: 100 });
      expect(
        box.items.map((n) => n.id),
        who,
      ).not.toContain(notice.id);
      const unread = await caller.notices.unread();
      expect(
        unread.critical.map((n) => n.id),
        who,
      ).not.toContain(notice.id);
      expect(await refusal(caller.notices.read({ id: notice.id })), who).toMatchObject({ code: "NOT_FOUND" });
      expect(await refusal(caller.notices.inboxNotice({ id: notice.id })), who).toMatchObject({ code: "NOT_FOUND" });
    }
    // Nothing was recorded for them.
    const reads = await db.select().from(noticeReads).where(eq(noticeReads.noticeId, notice.id));
    const bakeryOwner = await userNamed(demoEmails.otherMerchant);
    expect(reads.map((r) => r.userId)).not.toContain(bakeryOwner.id);
    // Its own reader can open it.
    expect((await callers.merchant.notices.inboxNotice({ id: notice.id })).title).toBe("For Demo Coffee only");
    expect((await callers.merchant.notices.read({ id: notice.id })).id).toBe(notice.id);
    await withdrawNotice(db, admin, notice.id, T);
  });

  it("never carries it to another merchant's terminal, which cannot acknowledge it either", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const { notice } = await published({ title: "Demo terminals only", audience: { merchantIds: [demo.id] }, channels: { inbox: false, terminals: true } });
    const own = await heartbeatAt("DEMO-0021", at(5));
    expect(own.notices.map((n) => n.id)).toContain(notice.id);
    const foreign = await heartbeatAt("BAKE-0002", at(5));
    expect(foreign.notices.map((n) => n.id)).not.toContain(notice.id);
    const foreignByApi = await heartbeatRequest("BAKE-0003");
    expect(foreignByApi.notices.map((n) => n.id)).not.toContain(notice.id);

    const bake = await terminalNamed("BAKE-0002");
    expect(await refusal(acknowledgeNotice(db, deviceOf(bake), notice.id, at(6)))).toMatchObject({ code: "not_found" });
    await expectDeviceError(await ackRequest("BAKE-0003", notice.id), 404, "not_found");
    expect(
      await db
        .select()
        .from(noticeDeliveries)
        .where(and(eq(noticeDeliveries.noticeId, notice.id), eq(noticeDeliveries.terminalId, bake.id))),
    ).toEqual([]);
    await withdrawNotice(db, admin, notice.id, T);
  });
});

// ---------------------------------------------------------------- heartbeat

describe("notices on the heartbeat", () => {
  it("carries a published notice with the contract's fields until the terminal acknowledges it", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const { notice } = await published({
      title: "Firmware tonight",
      body: "Leave the terminal **on**.",
      severity: "warning",
      audience: { merchantIds: [demo.id] },
      channels: { inbox: false, terminals: true },
    });
    const terminal = await terminalNamed("DEMO-0002");
    const before = Date.now();
    const first = await heartbeatRequest("DEMO-0002");
    const after = Date.now();
    const carried = first.notices.filter((n) => n.id === notice.id);
    expect(carried).toHaveLength(1);
    expect(Object.keys(carried[0]!).sort()).toEqual(["body", "id", "publishedAt", "severity", "title"]);
    expect(carried[0]).toEqual({ id: notice.id, title: "Firmware tonight", body: "Leave the terminal **on**.", severity: "warning", publishedAt: T.toISOString() });
    for (const n of first.notices) {
      expect(Object.keys(n).sort()).toEqual(["body", "id", "publishedAt", "severity", "title"]);
      expect(n.publishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    }

    // The first delivery is stamped with the heartbeat's time; later ones keep it.
    const delivery = async () =>
      (
        await db
          .select()
          .from(noticeDeliveries)
          .where(and(eq(noticeDeliveries.noticeId, notice.id), eq(noticeDeliveries.terminalId, terminal.id)))
      )[0]!;
    const stamped = (await delivery()).deliveredAt!;
    expect(stamped.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(stamped.getTime()).toBeLessThanOrEqual(after + 1);
    expect((await delivery()).ackedAt).toBeNull();
    const again = await heartbeatRequest("DEMO-0002");
    expect(again.notices.map((n) => n.id)).toContain(notice.id);
    expect((await delivery()).deliveredAt!.toISOString()).toBe(stamped.toISOString());
    // Another terminal of the audience that has not checked in yet is not delivered.
    const other = await terminalNamed("DEMO-0004");
    expect(
      (
        await db
          .select()
          .from(noticeDeliveries)
          .where(and(eq(noticeDeliveries.noticeId, notice.id), eq(noticeDeliveries.terminalId, other.id)))
      )[0]!.deliveredAt,
    ).toBeNull();

    // Acknowledged: 200 {"ok": true}, and no longer carried; repeating is fine.
    const ack = await ackRequest("DEMO-0002", notice.id);
    expect(ack.status).toBe(200);
    expect(await ack.json()).toEqual({ ok: true });
    const acked = (await delivery()).ackedAt!;
    expect(acked).not.toBeNull();
    expect((await heartbeatRequest("DEMO-0002")).notices.map((n) => n.id)).not.toContain(notice.id);
    const repeat = await ackRequest("DEMO-0002", notice.id);
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ ok: true });
    expect((await delivery()).ackedAt!.toISOString()).toBe(acked.toISOString());
    // Other terminals still get it.
    expect((await heartbeatAt("DEMO-0004", at(10))).notices.map((n) => n.id)).toContain(notice.id);
    await withdrawNotice(db, admin, notice.id, T);
  });

  it("answers 404 in the contract's shape for an unknown or malformed notice id", async () => {
    await expectDeviceError(await ackRequest("DEMO-0002", "not-a-uuid"), 404, "not_found");
    await expectDeviceError(await ackRequest("DEMO-0002", randomUUID()), 404, "not_found");
    await expectDeviceError(await ackRequest("DEMO-0002", "123"), 404, "not_found");
  });

  it("stops carrying a notice once it has expired at the heartbeat's time", async () => {
    const xuhui = await storeNamed(db, "Demo Coffee Xuhui");
    const serial = (await expectedTerminals((t) => t.storeId === xuhui.id)).serials[0]!;
    const { notice } = await published({ title: "Expires in two hours", audience: { storeIds: [xuhui.id] }, channels: { inbox: false, terminals: true }, expiresAt: at(120) });
    const early = await heartbeatAt(serial, at(60));
    expect(early.notices.map((n) => n.id)).toContain(notice.id);
    const terminal = await terminalNamed(serial);
    const [delivery] = await db
      .select()
      .from(noticeDeliveries)
      .where(and(eq(noticeDeliveries.noticeId, notice.id), eq(noticeDeliveries.terminalId, terminal.id)));
    expect(delivery!.deliveredAt!.toISOString()).toBe(at(60).toISOString());
    expect((await heartbeatAt(serial, at(120))).notices.map((n) => n.id)).not.toContain(notice.id);
    expect((await heartbeatAt(serial, at(180))).notices.map((n) => n.id)).not.toContain(notice.id);
    await withdrawNotice(db, admin, notice.id, T);
  });

  it("stops carrying a withdrawn notice, and never carries an inbox-only one", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const { notice: withdrawn } = await published({ title: "To be withdrawn", audience: { merchantIds: [demo.id] }, channels: { inbox: false, terminals: true } });
    const { notice: inboxOnly } = await published({ title: "Console only", audience: { merchantIds: [demo.id] }, channels: { inbox: true, terminals: false } });
    expect(await db.select().from(noticeDeliveries).where(eq(noticeDeliveries.noticeId, inboxOnly.id))).toEqual([]);
    const first = await heartbeatAt("DEMO-0006", at(1));
    expect(first.notices.map((n) => n.id)).toContain(withdrawn.id);
    expect(first.notices.map((n) => n.id)).not.toContain(inboxOnly.id);
    await withdrawNotice(db, admin, withdrawn.id, at(2));
    const second = await heartbeatAt("DEMO-0006", at(3));
    expect(second.notices.map((n) => n.id)).not.toContain(withdrawn.id);
    expect(second.notices.map((n) => n.id)).not.toContain(inboxOnly.id);
    const byApi = await heartbeatRequest("DEMO-0006");
    expect(byApi.notices.map((n) => n.id)).not.toContain(withdrawn.id);
    expect(byApi.notices.map((n) => n.id)).not.toContain(inboxOnly.id);
    await withdrawNotice(db, admin, inboxOnly.id, T);
  });
});

// ---------------------------------------------------------------- receipts

describe("receipts", () => {
  it("counts readers, reads, terminals, deliveries and acknowledgements as they happen", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const { notice } = await published({ title: "Receipts", audience: { merchantIds: [demo.id] }, channels: { inbox: true, terminals: true } });
    const readers = await expectedReaders([demo.id]);
    const owner = await userNamed(demoEmails.merchant);

    const initial = await getNotice(db, notice.id);
    expect(initial.receipts).toEqual({ readers: 3, read: 0, terminals: 40, delivered: 0, acked: 0 });
    expect(initial.notRead.map((u) => u.email).sort()).toEqual(readers.map((r) => r.email));

    // The owner opens it; opening it again keeps the first read time.
    const opened = await readNotice(db, owner.id, await scopeForUser(db, owner), notice.id, at(5));
    expect(opened.id).toBe(notice.id);
    expect(opened.readAt!.toISOString()).toBe(at(5).toISOString());
    const reopened = await readNotice(db, owner.id, await scopeForUser(db, owner), notice.id, at(9));
    expect(reopened.readAt!.toISOString()).toBe(at(5).toISOString());
    const afterRead = await getNotice(db, notice.id);
    expect(afterRead.receipts).toMatchObject({ readers: 3, read: 1 });
    expect(afterRead.notRead.map((u) => u.email).sort()).toEqual(["owner-b@notices.test", demoEmails.technician]);

    // A terminal checks in, another acknowledges without a heartbeat in between.
    await heartbeatAt("DEMO-0012", at(6));
    const ackTerminal = await terminalNamed("DEMO-0013");
    expect(await acknowledgeNotice(db, deviceOf(ackTerminal), notice.id, at(7))).toEqual({ ok: true });
    const viaRouter = await callers.admin.notices.get({ id: notice.id });
    expect(viaRouter.receipts).toEqual({ readers: 3, read: 1, terminals: 40, delivered: 2, acked: 1 });
    expect(viaRouter.notRead.map((u) => u.email).sort()).toEqual(["owner-b@notices.test", demoEmails.technician]);

    // The technician reads it through the console.
    const tech = await callerOf(demoEmails.technician);
    expect((await tech.notices.read({ id: notice.id })).readAt).toBeInstanceOf(Date);
    const last = await getNotice(db, notice.id);
    expect(last.receipts).toMatchObject({ read: 2 });
    expect(last.notRead.map((u) => u.email)).toEqual(["owner-b@notices.test"]);
    const listed = (await callers.admin.notices.list({ q: "Receipts", pageSize: 100 })).items.find((n) => n.id === notice.id)!;
    expect(listed).toMatchObject({ readers: 3, read: 2, terminals: 40, acked: 1 });
    await withdrawNotice(db, admin, notice.id, T);
  });

  it("summarises the unread ones, with the critical ones for the banner", async () => {
    const lotus = await merchantNamed(db, "Lotus Noodle House");
    const id = randomUUID();
    await db.insert(users).values({ id, name: "Lotus Owner", email: "owner-lotus@notices.test", role: "merchant", merchantId: lotus.id });
    const lotusScope: Scope = { kind: "merchants", merchantIds: [lotus.id] };
    expect(await unreadSummary(db, id, lotusScope, at(10))).toEqual({ unread: 0, critical: [] });

    const notice = (title: string, severity: string, minutes: number, extra: Record<string, unknown> = {}) =>
      published({ title, severity, audience: { merchantIds: [lotus.id] }, channels: { inbox: true }, ...extra }, at(minutes)).then((p) => p.notice);
    const k1 = await notice("Critical one", "critical", 1);
    const k2 = await notice("Critical two", "critical", 2);
    await notice("Just info", "info", 3);
    const k3 = await notice("Critical, expiring", "critical", 4, { expiresAt: at(5) });

    const summary = await unreadSummary(db, id, lotusScope, at(4.5));
    expect(summary.unread).toBe(4);
    expect(summary.critical.map((n) => n.id)).toEqual([k3.id, k2.id, k1.id]);
    // Once the expiring one has expired, it is not counted.
    const later = await unreadSummary(db, id, lotusScope, at(10));
    expect(later.unread).toBe(3);
    expect(later.critical.map((n) => n.title)).toEqual(["Critical two", "Critical one"]);
    expect((await inbox(db, id, lotusScope, { unread: true, page: 1, pageSize: 25 }, at(10))).total).toBe(3);

    await readNotice(db, id, lotusScope, k2.id, at(11));
    const afterRead = await unreadSummary(db, id, lotusScope, at(12));
    expect(afterRead.unread).toBe(2);
    expect(afterRead.critical.map((n) => n.id)).toEqual([k1.id]);
    const box = await inbox(db, id, lotusScope, { page: 1, pageSize: 25 }, at(12));
    expect(box.total).toBe(3);
    expect(box.items.find((n) => n.id === k2.id)!.readAt!.toISOString()).toBe(at(11).toISOString());
    expect((await inbox(db, id, lotusScope, { unread: true, page: 1, pageSize: 25 }, at(12))).items.map((n) => n.title).sort()).toEqual(["Critical one", "Just info"]);
  });
});

// ---------------------------------------------------------------- SMS

describe("SMS for critical notices", () => {
  const D = new Date("2026-10-01T08:00:00Z");
  const sent: SmsMessage[] = [];
  const fake: SmsProvider = {
    name: "fake",
    async send(message) {
      sent.push(message);
      return { messageId: `fake-${sent.length}` };
    },
  };
  const critical = (title: string, merchantIds: string[], now: Date, extra: Record<string, unknown> = {}) =>
    published({ title, severity: "critical", audience: { merchantIds }, channels: { inbox: false, terminals: false, sms: true }, ...extra }, now);
  const smsOf = (noticeId: string) => db.select().from(smsOutbox).where(eq(smsOutbox.noticeId, noticeId));

  it("queues one SMS per distinct registered phone of the merchants reached", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const bakery = await merchantNamed(db, "Other Bakery");
    const { notice, result } = await critical("Gateway outage tonight", [demo.id, bakery.id], D);
    expect(result).toMatchObject({ smsQueued: 2, smsSkipped: 0 });
    const rows = await smsOf(notice.id);
    expect(rows.map((r) => r.to).sort()).toEqual(["+8613800138000", "+8613900139000"]);
    for (const row of rows) {
      expect(row).toMatchObject({ template: "notice", noticeId: notice.id, status: "queued", activationId: null });
      expect(row.merchantId).toBe(row.to === "+8613800138000" ? demo.id : bakery.id);
      expect(row.preview).toContain("Gateway outage tonight");
    }

    // Two merchants sharing a phone get one message (on another day, so the daily limit below is untouched).
    const lotus = await merchantNamed(db, "Lotus Noodle House");
    await db.update(merchants).set({ registeredPhone: demo.registeredPhone }).where(eq(merchants.id, lotus.id));
    try {
      expect((await previewAudience(db, audienceInput.parse({ merchantIds: [demo.id, lotus.id] }))).smsPhones).toBe(1);
      const shared = await critical("Shared phone", [demo.id, lotus.id], at(-10 * 24 * 60, D));
      expect(shared.result).toMatchObject({ merchants: 2, smsQueued: 1, smsSkipped: 0 });
      expect((await smsOf(shared.notice.id)).map((r) => r.to)).toEqual([demo.registeredPhone]);
      await withdrawNotice(db, admin, shared.notice.id, at(-10 * 24 * 60 + 1, D));
    } finally {
      await db.update(merchants).set({ registeredPhone: lotus.registeredPhone }).where(eq(merchants.id, lotus.id));
    }
  });

  it(`sends at most ${NOTICE_SMS_PER_PHONE_PER_DAY} notice SMS a day to one phone`, async () => {
    expect(NOTICE_SMS_PER_PHONE_PER_DAY).toBe(3);
    const demo = await merchantNamed(db, "Demo Coffee");
    const bakery = await merchantNamed(db, "Other Bakery");
    // The first test queued one for each phone today.
    const second = await critical("Second today", [demo.id], at(1, D));
    const third = await critical("Third today", [demo.id], at(2, D));
    expect(second.result).toMatchObject({ smsQueued: 1, smsSkipped: 0 });
    expect(third.result).toMatchObject({ smsQueued: 1, smsSkipped: 0 });
    const fourth = await critical("Fourth today", [demo.id], at(3, D));
    expect(fourth.result).toMatchObject({ status: "published", smsQueued: 0, smsSkipped: 1 });
    expect(await smsOf(fourth.notice.id)).toEqual([]);
    // Per phone: Other Bakery's still has room.
    const both = await critical("Both phones", [demo.id, bakery.id], at(4, D));
    expect(both.result).toMatchObject({ smsQueued: 1, smsSkipped: 1 });
    expect((await smsOf(both.notice.id)).map((r) => r.to)).toEqual([bakery.registeredPhone]);
    const demoToday = await db
      .select()
      .from(smsOutbox)
      .where(and(eq(smsOutbox.to, demo.registeredPhone), eq(smsOutbox.template, "notice")));
    expect(demoToday.filter((r) => r.createdAt.getTime() >= D.getTime() && r.createdAt.getTime() < at(24 * 60, D).getTime())).toHaveLength(3);
    // A day later there is room again.
    const tomorrow = await critical("Next day", [demo.id], at(25 * 60, D));
    expect(tomorrow.result).toMatchObject({ smsQueued: 1, smsSkipped: 0 });
  });

  it("keeps to the daily limit when critical notices are published at the same time", async () => {
    const lotus = await merchantNamed(db, "Lotus Noodle House");
    const D2 = at(5 * 24 * 60, D);
    const drafts = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        createNotice(
          db,
          admin,
          noticeCreateInput.parse({ title: `Concurrent ${i}`, body: "b", severity: "critical", audience: { merchantIds: [lotus.id] }, channels: { inbox: false, sms: true } }),
          D2,
        ),
      ),
    );
    const results = await Promise.all(drafts.map((d) => publishNotice(db, admin, d.id, D2)));
    expect(results.reduce((sum, r) => sum + r.smsQueued, 0)).toBe(NOTICE_SMS_PER_PHONE_PER_DAY);
    expect(results.reduce((sum, r) => sum + r.smsSkipped, 0)).toBe(5 - NOTICE_SMS_PER_PHONE_PER_DAY);
    const rows = await db
      .select()
      .from(smsOutbox)
      .where(
        inArray(
          smsOutbox.noticeId,
          drafts.map((d) => d.id),
        ),
      );
    expect(rows).toHaveLength(NOTICE_SMS_PER_PHONE_PER_DAY);
  });

  it("delivers them through the provider, but not for a withdrawn or expired notice", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const bakery = await merchantNamed(db, "Other Bakery");
    const metro = await merchantNamed(db, "Metro Pharmacy");
    const byTitle = async (title: string) => (await db.select().from(notices).where(eq(notices.title, title)))[0]!;
    const third = await byTitle("Third today");
    await withdrawNotice(db, admin, third.id, at(5, D));
    const [withdrawnSms] = await smsOf(third.id);
    expect(withdrawnSms).toMatchObject({ status: "failed", secret: null, lastError: "notice withdrawn or expired" });
    const expiring = await critical("Expires within the hour", [metro.id], at(10, D), { expiresAt: at(60, D) });
    expect(expiring.result.smsQueued).toBe(1);

    const result = await deliverDueSms(db, at(120, D), fake);
    expect(result).toEqual({ sent: 4, failed: 0 });
    expect(sent.map((m) => `${m.to} ${m.params.title}`).sort()).toEqual(
      [`${demo.registeredPhone} Gateway outage tonight`, `${bakery.registeredPhone} Gateway outage tonight`, `${demo.registeredPhone} Second today`, `${bakery.registeredPhone} Both phones`].sort(),
    );
    for (const m of sent) {
      expect(m.template).toBe("notice");
      expect(m.body).toContain(m.params.title);
    }
    const gateway = await byTitle("Gateway outage tonight");
    for (const row of await smsOf(gateway.id)) expect(row).toMatchObject({ status: "sent", secret: null, providerMessageId: expect.stringMatching(/^fake-/) });
    expect((await getNotice(db, gateway.id)).sms).toEqual({ sent: 2 });
    // The withdrawn and the expired notice's messages were never sent.
    expect(sent.map((m) => m.params.title)).not.toContain("Third today");
    expect(sent.map((m) => m.params.title)).not.toContain("Expires within the hour");
    expect((await smsOf(expiring.notice.id))[0]).toMatchObject({ status: "failed", secret: null });
    expect((await getNotice(db, third.id)).sms).toEqual({ failed: 1 });

    // Tomorrow's is sent when it is due, once.
    expect(await deliverDueSms(db, at(26 * 60, D), fake)).toEqual({ sent: 1, failed: 0 });
    expect(sent.at(-1)!.params.title).toBe("Next day");
    expect(await deliverDueSms(db, at(27 * 60, D), fake)).toEqual({ sent: 0, failed: 0 });
  });
});

// ---------------------------------------------------------------- lifecycle and validation

describe("lifecycle", () => {
  const future = (minutes: number) => new Date(Date.now() + minutes * 60_000);

  it("creates, updates, schedules, publishes and withdraws, with an audit row for each", async () => {
    const harbor = await merchantNamed(db, "Harbor Books");
    const owner = await callerOf("owner-harbor@notices.test");
    const created = await callers.admin.notices.create({
      title: "Card reader recall",
      body: "Swap the reader.",
      severity: "critical",
      audience: { merchantIds: [harbor.id] },
      channels: { inbox: true, terminals: true, sms: true },
    });
    expect(created).toMatchObject({ status: "draft", severity: "critical", publishedAt: null, rolloutId: null });
    expect(created.audience).toMatchObject({ everyone: false, merchantIds: [harbor.id], roles: ["merchant", "technician"] });
    expect(await auditOf(created.id, "notice.created")).toMatchObject([{ actorLabel: demoEmails.admin }]);

    const updated = await callers.admin.notices.update({ id: created.id, title: "Card reader recall (updated)" });
    expect(updated).toMatchObject({ title: "Card reader recall (updated)", status: "draft" });
    const updateAudit = await auditOf(created.id, "notice.updated");
    expect(updateAudit).toHaveLength(1);
    expect(updateAudit[0]!.changes).toMatchObject({ title: { from: "Card reader recall", to: "Card reader recall (updated)" } });
    // Changing nothing writes nothing.
    await callers.admin.notices.update({ id: created.id, title: "Card reader recall (updated)" });
    expect(await auditOf(created.id, "notice.updated")).toHaveLength(1);

    await callers.admin.notices.update({ id: created.id, publishAt: future(60) });
    expect(await callers.admin.notices.schedule({ id: created.id })).toEqual({ id: created.id, status: "scheduled" });
    expect(await auditOf(created.id, "notice.scheduled")).toHaveLength(1);
    // A scheduled notice still changes.
    expect(await callers.admin.notices.update({ id: created.id, body: "Swap the card reader today." })).toMatchObject({ status: "scheduled" });

    // Publishing it now, ahead of its time.
    const publishedResult = await callers.admin.notices.publish({ id: created.id });
    const harborTerminals = await expectedTerminals((t) => t.merchantId === harbor.id);
    expect(publishedResult).toEqual({ id: created.id, status: "published", readers: 1, terminals: harborTerminals.serials.length, merchants: 1, smsQueued: 1, smsSkipped: 0 });
    expect(await auditOf(created.id, "notice.published")).toMatchObject([{ actorLabel: demoEmails.admin }]);
    expect((await owner.notices.inbox({})).items.map((n) => n.id)).toContain(created.id);
    expect((await owner.notices.unread()).critical.map((n) => n.id)).toContain(created.id);
    expect((await heartbeatAt("HRB-0001", new Date())).notices.map((n) => n.id)).toContain(created.id);

    // A published notice no longer changes, and is not a draft.
    expect(await refusal(callers.admin.notices.update({ id: created.id, title: "Too late" }))).toMatchObject({ code: "CONFLICT" });
    expect(await refusal(callers.admin.notices.schedule({ id: created.id }))).toMatchObject({ code: "CONFLICT" });
    expect(await refusal(callers.admin.notices.deleteDraft({ id: created.id }))).toMatchObject({ code: "CONFLICT" });
    expect(await refusal(callers.admin.notices.publish({ id: created.id }))).toMatchObject({ code: "CONFLICT" });
    expect((await noticeRow(created.id))!.title).toBe("Card reader recall (updated)");

    // Publishing through the console sends the critical notice's SMS at once (the console provider here).
    await expect.poll(async () => (await db.select().from(smsOutbox).where(eq(smsOutbox.noticeId, created.id)))[0]?.status, { timeout: 5000 }).toBe("sent");
    // Withdrawn: inboxes and terminals stop showing it (a message already sent stays sent).
    expect(await callers.admin.notices.withdraw({ id: created.id })).toEqual({ id: created.id, status: "withdrawn" });
    expect(await auditOf(created.id, "notice.withdrawn")).toMatchObject([{ actorLabel: demoEmails.admin, changes: { from: "published" } }]);
    const row = (await noticeRow(created.id))!;
    expect(row.status).toBe("withdrawn");
    expect(row.withdrawnAt).toBeInstanceOf(Date);
    expect((await db.select().from(smsOutbox).where(eq(smsOutbox.noticeId, created.id)))[0]).toMatchObject({ status: "sent", secret: null });
    expect((await owner.notices.inbox({})).items.map((n) => n.id)).not.toContain(created.id);
    expect((await owner.notices.unread()).critical.map((n) => n.id)).not.toContain(created.id);
    expect((await heartbeatAt("HRB-0001", new Date())).notices.map((n) => n.id)).not.toContain(created.id);

    // It cannot come back.
    expect(await refusal(callers.admin.notices.publish({ id: created.id }))).toMatchObject({ code: "CONFLICT" });
    expect(await refusal(callers.admin.notices.withdraw({ id: created.id }))).toMatchObject({ code: "CONFLICT" });
    expect(await refusal(callers.admin.notices.update({ id: created.id, title: "Again" }))).toMatchObject({ code: "CONFLICT" });
    expect((await noticeRow(created.id))!.status).toBe("withdrawn");
  });

  it("does not let a reader open a withdrawn notice, and records no read for the attempt", async () => {
    const harbor = await merchantNamed(db, "Harbor Books");
    const owner = await callerOf("owner-harbor@notices.test");
    const ownerRow = await userNamed("owner-harbor@notices.test");
    const notice = await callers.admin.notices.create({ title: "Withdrawn before read", body: "b", audience: { merchantIds: [harbor.id] }, channels: { inbox: true } });
    await callers.admin.notices.publish({ id: notice.id });
    await callers.admin.notices.withdraw({ id: notice.id });
    expect(await refusal(owner.notices.read({ id: notice.id }))).toMatchObject({ code: "NOT_FOUND" });
    const [receipt] = await db
      .select()
      .from(noticeReads)
      .where(and(eq(noticeReads.noticeId, notice.id), eq(noticeReads.userId, ownerRow.id)));
    expect(receipt!.readAt).toBeNull();
    expect((await getNotice(db, notice.id)).receipts.read).toBe(0);
  });

  it("takes a scheduled notice whose time is removed back to draft, and deletes drafts only", async () => {
    const harbor = await merchantNamed(db, "Harbor Books");
    const notice = await callers.admin.notices.create({ title: "Draft to delete", body: "b", audience: { merchantIds: [harbor.id] }, channels: { inbox: true }, publishAt: future(120) });
    await callers.admin.notices.schedule({ id: notice.id });
    expect(await refusal(callers.admin.notices.deleteDraft({ id: notice.id }))).toMatchObject({ code: "CONFLICT" });
    expect(await callers.admin.notices.update({ id: notice.id, publishAt: null })).toMatchObject({ status: "draft", publishAt: null });
    expect(await callers.admin.notices.deleteDraft({ id: notice.id })).toEqual({ id: notice.id });
    expect(await noticeRow(notice.id)).toBeUndefined();
    expect(await auditOf(notice.id, "notice.deleted")).toMatchObject([{ actorLabel: demoEmails.admin, changes: { title: "Draft to delete" } }]);
    expect(await refusal(callers.admin.notices.get({ id: notice.id }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await refusal(callers.admin.notices.deleteDraft({ id: notice.id }))).toMatchObject({ code: "NOT_FOUND" });

    // Withdrawing a scheduled one works and leaves it withdrawn; a draft cannot be withdrawn.
    const scheduled = await callers.admin.notices.create({ title: "Scheduled then withdrawn", body: "b", audience: { merchantIds: [harbor.id] }, channels: { inbox: true }, publishAt: future(120) });
    expect(await refusal(callers.admin.notices.withdraw({ id: scheduled.id }))).toMatchObject({ code: "CONFLICT" });
    await callers.admin.notices.schedule({ id: scheduled.id });
    expect(await callers.admin.notices.withdraw({ id: scheduled.id })).toEqual({ id: scheduled.id, status: "withdrawn" });
    expect(await auditOf(scheduled.id, "notice.withdrawn")).toMatchObject([{ changes: { from: "scheduled" } }]);
    expect(await refusal(callers.admin.notices.deleteDraft({ id: scheduled.id }))).toMatchObject({ code: "CONFLICT" });
  });

  it("refuses invalid notices with BAD_REQUEST and writes nothing", async () => {
    const harbor = await merchantNamed(db, "Harbor Books");
    const valid = { title: "Valid", body: "b", severity: "critical" as const, audience: { merchantIds: [harbor.id] }, channels: { inbox: true } };
    const inTwoHours = future(120);
    const notices0 = await noticeCount();
    const audit0 = await auditCount();
    const cases: [string, Record<string, unknown>][] = [
      ["SMS on a non-critical notice", { severity: "warning", channels: { inbox: true, sms: true } }],
      ["SMS on an info notice by default severity", { severity: undefined, channels: { sms: true } }],
      ["expiry before the publish time", { publishAt: future(120), expiresAt: future(60) }],
      ["expiry at the publish time", { publishAt: inTwoHours, expiresAt: inTwoHours }],
      ["empty audience", { audience: {} }],
      ["audience with only roles", { audience: { roles: ["merchant"] } }],
      ["everyone with a merchant", { audience: { everyone: true, merchantIds: [harbor.id] } }],
      ["everyone with a region", { audience: { everyone: true, regions: ["Guangzhou"] } }],
      ["everyone with a rollout", { audience: { everyone: true, rolloutId: randomUUID() } }],
      ["no channel", { channels: { inbox: false, terminals: false, sms: false } }],
      ["empty title", { title: "  " }],
      ["a publish time in the past", { publishAt: new Date(Date.now() - 60_000) }],
    ];
    for (const [name, patch] of cases) {
      const result = await refusal(callers.admin.notices.create({ ...valid, ...patch } as Parameters<typeof callers.admin.notices.create>[0]));
      expect(result.code, name).toBe("BAD_REQUEST");
    }
    expect(await noticeCount()).toBe(notices0);
    expect(await auditCount()).toBe(audit0);

    // Updates are checked against the notice they change.
    const info = await callers.admin.notices.create({ ...valid, severity: "info", publishAt: future(120) });
    const audit1 = await auditCount();
    const updates: [string, Record<string, unknown>][] = [
      ["SMS on an info notice", { channels: { inbox: true, sms: true } }],
      ["expiry before its publish time", { expiresAt: future(60) }],
      ["a publish time in the past", { publishAt: new Date(Date.now() - 60_000) }],
      ["everyone with a merchant", { audience: { everyone: true, merchantIds: [harbor.id] } }],
      ["no channel", { channels: { inbox: false } }],
    ];
    for (const [name, patch] of updates) {
      expect((await refusal(callers.admin.notices.update({ id: info.id, ...patch } as Parameters<typeof callers.admin.notices.update>[0]))).code, name).toBe("BAD_REQUEST");
    }
    expect(await auditCount()).toBe(audit1);
    const unchanged = (await noticeRow(info.id))!;
    expect(unchanged.channels).toEqual({ inbox: true, terminals: false, sms: false });
    expect(unchanged.expiresAt).toBeNull();
    expect(unchanged.audience.everyone).toBe(false);
    await callers.admin.notices.deleteDraft({ id: info.id });
  });
});

// ---------------------------------------------------------------- rollout notice

describe("a notice for a rollout", () => {
  it("drafts the version and the shared maintenance window, addressed to exactly the rollout's terminals", async () => {
    const [rollout] = await db.select().from(rollouts).where(eq(rollouts.name, "P2 3.2.0 security patch"));
    const jobTerminals = [
      ...new Set(
        (
          await db
            .select({ id: updateJobs.terminalId })
            .from(updateJobs)
            .where(and(eq(updateJobs.rolloutId, rollout!.id), inArray(updateJobs.status, [...openJobStatuses])))
        ).map((j) => j.id),
      ),
    ];
    expect(jobTerminals.length).toBeGreaterThan(0);
    const serials = (await db.select({ serial: terminals.serialNumber }).from(terminals).where(inArray(terminals.id, jobTerminals))).map((t) => t.serial).sort();

    const notice = await callers.admin.notices.createForRollout({ rolloutId: rollout!.id });
    expect(notice).toMatchObject({ status: "draft", rolloutId: rollout!.id, severity: "info", publishAt: null });
    expect(notice.title).toContain("3.2.0");
    expect(notice.title).toContain("02:00–05:00");
    // The demo merchants have +86 phones: the draft is in their language, Chinese.
    expect(notice.title).toBe("固件 3.2.0 将于今晚 02:00–05:00 安装");
    expect(notice.body).toContain("3.2.0");
    expect(notice.audience).toMatchObject({ everyone: false, rolloutId: rollout!.id, merchantIds: [], storeIds: [], regions: [], modelIds: [], firmwareVersions: [] });
    expect(notice.channels).toMatchObject({ terminals: true });
    expect(notice.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(await auditOf(notice.id, "notice.created")).toHaveLength(1);

    expect((await previewAudience(db, notice.audience)).terminals).toBe(serials.length);
    const result = await publishNotice(db, admin, notice.id, new Date());
    expect(result.terminals).toBe(serials.length);
    const receipts = await receiptsOf(notice.id);
    expect(receipts.terminals).toEqual(serials);
    const merchantIds = [...new Set((await db.select({ m: terminals.merchantId }).from(terminals).where(inArray(terminals.id, jobTerminals))).map((t) => t.m!))];
    expect(receipts.readers).toEqual((await expectedReaders(merchantIds)).map((r) => r.email));
    await withdrawNotice(db, admin, notice.id, new Date());
  });

  it("names no single window when the rollout's stores differ, and refuses an unknown rollout", async () => {
    const [rollout] = await db.select().from(rollouts).where(eq(rollouts.name, "P2 3.2.0 security patch"));
    const [job] = await db
      .select({ storeId: terminals.storeId })
      .from(updateJobs)
      .innerJoin(terminals, eq(terminals.id, updateJobs.terminalId))
      .where(and(eq(updateJobs.rolloutId, rollout!.id), inArray(updateJobs.status, [...openJobStatuses])))
      .limit(1);
    const [store] = await db.select().from(stores).where(eq(stores.id, job!.storeId!));
    await db.update(stores).set({ maintenanceStarts: "01:00", maintenanceEnds: "03:00" }).where(eq(stores.id, store!.id));
    try {
      const notice = await createRolloutNotice(db, admin, rollout!.id, "en", T);
      // The rollout is under way, so it installs tonight, in each store's own window.
      expect(notice.title).toBe("固件 3.2.0 将于今晚在门店维护时段安装");
      expect(notice.title).not.toContain("02:00");
      await deleteDraft(db, admin, notice.id);
    } finally {
      await db.update(stores).set({ maintenanceStarts: store!.maintenanceStarts, maintenanceEnds: store!.maintenanceEnds }).where(eq(stores.id, store!.id));
    }
    expect(await refusal(callers.admin.notices.createForRollout({ rolloutId: randomUUID() }))).toMatchObject({ code: "NOT_FOUND" });
  });
});

// ---------------------------------------------------------------- access

describe("access", () => {
  it("lets only admins compose, publish and follow notices", async () => {
    const [rollout] = await db.select().from(rollouts).where(eq(rollouts.name, "P2 3.2.0 security patch"));
    const target = await draft({ title: "Access target", audience: { everyone: true } });
    const before = await noticeCount();
    const audit0 = await auditCount();
    const id = { id: target.id };
    const valid = { title: "Not allowed", body: "b", audience: { everyone: true }, channels: { inbox: true } };
    const tech = callers.technician;
    for (const [who, caller] of [
      ["technician", tech],
      ["merchant", callers.merchant],
      ["other merchant", callers.otherMerchant],
    ] as const) {
      const calls: [string, () => Promise<unknown>][] = [
        ["list", () => caller.notices.list({})],
        ["get", () => caller.notices.get(id)],
        ["preview", () => caller.notices.preview({ everyone: true })],
        ["create", () => caller.notices.create(valid)],
        ["update", () => caller.notices.update({ ...id, title: "Changed" })],
        ["schedule", () => caller.notices.schedule(id)],
        ["publish", () => caller.notices.publish(id)],
        ["withdraw", () => caller.notices.withdraw(id)],
        ["deleteDraft", () => caller.notices.deleteDraft(id)],
        ["createForRollout", () => caller.notices.createForRollout({ rolloutId: rollout!.id })],
      ];
      for (const [name, call] of calls) expect((await refusal(call())).code, `${who} ${name}`).toBe("FORBIDDEN");
    }
    const anonymous: [string, () => Promise<unknown>][] = [
      ["list", () => callers.anonymous.notices.list({})],
      ["inbox", () => callers.anonymous.notices.inbox({})],
      ["unread", () => callers.anonymous.notices.unread()],
      ["inboxNotice", () => callers.anonymous.notices.inboxNotice(id)],
      ["read", () => callers.anonymous.notices.read(id)],
    ];
    for (const [name, call] of anonymous) {
      expect((await refusal(call())).code, `anonymous ${name}`).toBe("UNAUTHORIZED");
    }
    expect(await noticeCount()).toBe(before);
    expect(await auditCount()).toBe(audit0);
    expect((await noticeRow(target.id))!).toMatchObject({ status: "draft", title: "Access target" });

    // Admins can.
    expect((await callers.admin.notices.list({ status: "draft", pageSize: 100 })).items.map((n) => n.id)).toContain(target.id);
    expect((await callers.admin.notices.preview({ everyone: true })).terminals).toBeGreaterThan(0);
    await callers.admin.notices.deleteDraft(id);
  });

  it("gives every role an inbox with only the notices addressed to them", async () => {
    const bakery = await merchantNamed(db, "Other Bakery");
    const { notice } = await published({ title: "For Other Bakery", audience: { merchantIds: [bakery.id] }, channels: { inbox: true } });
    const techBakery = await callerOf("tech-bakery@notices.test");
    const reach: [string, Awaited<ReturnType<typeof callerOf>>, boolean][] = [
      ["admin", callers.admin, false],
      ["technician", callers.technician, false],
      ["merchant", callers.merchant, false],
      ["other merchant", callers.otherMerchant, true],
      ["bakery technician", techBakery, true],
    ];
    for (const [who, caller, addressed] of reach) {
      const box = await caller.notices.inbox({ pageSize: 100 });
      expect(box.items.map((n) => n.id).includes(notice.id), who).toBe(addressed);
      const unread = await caller.notices.unread();
      expect(unread.unread, who).toBeGreaterThanOrEqual(addressed ? 1 : 0);
      expect((await refusal(caller.notices.inboxNotice({ id: notice.id }))).code, who).toBe(addressed ? "none" : "NOT_FOUND");
      expect((await refusal(caller.notices.read({ id: notice.id }))).code, who).toBe(addressed ? "none" : "NOT_FOUND");
      if (addressed)
        expect(
          (await caller.notices.inbox({ unread: true, pageSize: 100 })).items.map((n) => n.id),
          who,
        ).not.toContain(notice.id);
    }
    // The admin reads nobody's notices: nothing is addressed to admins.
    expect(await db.select().from(noticeReads).innerJoin(users, eq(users.id, noticeReads.userId)).where(eq(users.role, "admin"))).toEqual([]);
    await withdrawNotice(db, admin, notice.id, T);
  });

  it("has an audit row for each step of a notice's life", async () => {
    const actions = (await db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.entityType, "notice"))).map((a) => a.action);
    for (const action of ["notice.created", "notice.updated", "notice.scheduled", "notice.published", "notice.withdrawn", "notice.deleted", "notice.unscheduled"]) {
      expect(actions, action).toContain(action);
    }
  });
});

describe("a suspended merchant", () => {
  it("is left out of every audience: terminals, readers and phones, whichever way it is targeted", async () => {
    const lotus = await merchantNamed(db, "Lotus Noodle House");
    const lotusModels = await db.selectDistinct({ id: terminals.modelId }).from(terminals).where(eq(terminals.merchantId, lotus.id));
    const byPlace = audienceInput.parse({ merchantIds: [lotus.id] });
    const byDevice = audienceInput.parse({ merchantIds: [lotus.id], modelIds: lotusModels.map((m) => m.id) });
    expect((await previewAudience(db, byPlace)).terminals).toBeGreaterThan(0);
    await db.update(merchants).set({ status: "suspended" }).where(eq(merchants.id, lotus.id));
    try {
      for (const audience of [byPlace, byDevice]) expect(await previewAudience(db, audience)).toEqual({ terminals: 0, merchants: 0, merchantUsers: 0, technicians: 0, smsPhones: 0 });
      const everyone = await previewAudience(db, audienceInput.parse({ everyone: true }));
      const lotusTerminals = (await expectedTerminals((t) => t.merchantId === lotus.id)).serials.length;
      const allTerminals = (await expectedTerminals(() => true)).serials.length;
      expect(everyone.terminals).toBe(allTerminals - lotusTerminals);
    } finally {
      await db.update(merchants).set({ status: "active" }).where(eq(merchants.id, lotus.id));
    }
  });
});

describe("after the fleet changes hands", () => {
  it("stops carrying a notice to a terminal moved to another merchant, and refuses its acknowledgement", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const chaoyang = await storeNamed(db, "Other Bakery Chaoyang");
    const { notice } = await published({ title: "Demo Coffee only, moved terminal", audience: { merchantIds: [demo.id] }, channels: { inbox: false, terminals: true } }, new Date());
    const before = await terminalNamed("DEMO-0025");
    expect((await heartbeatAt("DEMO-0025", new Date())).notices.map((n) => n.id)).toContain(notice.id);
    await db.update(terminals).set({ merchantId: chaoyang.merchantId, storeId: chaoyang.id }).where(eq(terminals.id, before.id));
    try {
      expect((await heartbeatAt("DEMO-0025", new Date())).notices.map((n) => n.id)).not.toContain(notice.id);
      expect(await refusal(acknowledgeNotice(db, deviceOf(await terminalNamed("DEMO-0025")), notice.id))).toMatchObject({ code: "not_found" });
    } finally {
      await db.update(terminals).set({ merchantId: before.merchantId, storeId: before.storeId }).where(eq(terminals.id, before.id));
      await withdrawNotice(db, admin, notice.id);
    }
  });

  it("hides a merchant's notices from a technician no longer assigned to it", async () => {
    const demo = await merchantNamed(db, "Demo Coffee");
    const tech = await userNamed(demoEmails.technician);
    const { notice } = await published({ title: "For Demo Coffee's people", audience: { merchantIds: [demo.id] } }, new Date());
    expect((await callers.technician.notices.inbox({})).items.map((n) => n.id)).toContain(notice.id);
    await db.delete(technicianAssignments).where(and(eq(technicianAssignments.technicianId, tech.id), eq(technicianAssignments.merchantId, demo.id)));
    try {
      const unassigned = await callerOf(demoEmails.technician);
      expect((await unassigned.notices.inbox({})).items.map((n) => n.id)).not.toContain(notice.id);
      expect(await refusal(unassigned.notices.inboxNotice({ id: notice.id }))).toMatchObject({ code: "NOT_FOUND" });
      expect(await refusal(unassigned.notices.read({ id: notice.id }))).toMatchObject({ code: "NOT_FOUND" });
      expect(
        (
          await db
            .select()
            .from(noticeReads)
            .where(and(eq(noticeReads.noticeId, notice.id), eq(noticeReads.userId, tech.id)))
        )[0]!.readAt,
      ).toBeNull();
    } finally {
      await db.insert(technicianAssignments).values({ technicianId: tech.id, merchantId: demo.id });
      await withdrawNotice(db, admin, notice.id);
    }
  });
});

describe("SMS rules", () => {
  it("refuses SMS for a notice merchant owners do not read", async () => {
    const before = await noticeCount();
    const input = { title: "Technicians: swap readers", body: "Swap them.", severity: "critical", audience: { everyone: true, roles: ["technician"] }, channels: { inbox: true, sms: true } };
    expect(noticeCreateInput.safeParse(input).success).toBe(false);
    expect(await refusal(callers.admin.notices.create(input as never))).toMatchObject({ code: "BAD_REQUEST" });
    expect(await noticeCount()).toBe(before);
  });

  it("keeps publishing the notices behind one that cannot be published, and puts that one back to draft", async () => {
    const saved = process.env.SMS_PROVIDER;
    const due = at(0, new Date("2026-10-05T00:00:00Z"));
    const blocked = await draft(
      { title: "SMS that cannot go", severity: "critical", audience: { merchantIds: [(await merchantNamed(db, "Metro Pharmacy")).id] }, channels: { inbox: true, sms: true }, publishAt: at(1, due) },
      due,
    );
    const next = await draft({ title: "Right behind it", audience: { merchantIds: [(await merchantNamed(db, "Metro Pharmacy")).id] }, publishAt: at(2, due) }, due);
    for (const n of [blocked, next]) await scheduleNotice(db, admin, n.id, due);
    process.env.SMS_PROVIDER = "twilio"; // without its settings: SMS cannot be sent
    try {
      await publishDueNotices(db, at(5, due));
    } finally {
      if (saved === undefined) delete process.env.SMS_PROVIDER;
      else process.env.SMS_PROVIDER = saved;
    }
    expect((await noticeRow(blocked.id))!.status).toBe("draft");
    expect(await auditOf(blocked.id, "notice.unscheduled")).toMatchObject([{ actorLabel: "system", changes: { reason: expect.stringContaining("SMS cannot be sent") } }]);
    expect((await receiptsOf(blocked.id)).readers).toEqual([]);
    expect((await noticeRow(next.id))!.status).toBe("published");
    await withdrawNotice(db, admin, next.id);
  });
});
