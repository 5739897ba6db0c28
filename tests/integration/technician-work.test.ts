import { randomUUID } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, technicianAssignments, terminals, users, workOrderNotes, workOrderPhotos, workOrders } from "@/db/schema";
import * as photoRoute from "@/app/api/work-orders/[id]/photos/[photoId]/route";
import * as uploadRoute from "@/app/api/work-orders/[id]/photos/route";
import { AppError } from "@/server/errors";
import { saveWorkInput } from "@/server/schemas/maintenance";
import { DEFAULT_TIME_ZONE } from "@/db/schema/values";
import { localDay } from "@/server/services/calendar-day";
import { myWork, saveWork } from "@/server/services/maintenance";
import { MAX_PHOTO_BYTES, MAX_PHOTOS_PER_WORK_ORDER, photoTypeOf } from "@/server/services/maintenance-photos";
import { scopeForUser } from "@/server/scope";
import { createTestDatabase, demoCallers, demoEmails, merchantNamed, viewerByEmail } from "../helpers/db";
import { sessionCookie } from "../helpers/sessions";

// The route handlers open the app's database; here it is this file's test database.
const testDb = vi.hoisted(() => ({ handle: undefined as DbHandle | undefined }));
vi.mock(import("@/server/db"), async (importOriginal) => ({ ...(await importOriginal()), getDb: async () => testDb.handle!.db, getDatabase: async () => testDb.handle! }));

let handle: DbHandle;
let callers: Awaited<ReturnType<typeof demoCallers>>;

const terminalBySerial = async (serial: string) => (await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serial)))[0]!;
const orderById = async (id: string) => (await handle.db.select().from(workOrders).where(eq(workOrders.id, id)))[0]!;
/** A fresh work order on a terminal, as an admin opens one; the demo data's own work orders stay untouched. */
const openOrder = async (serial: string, type: "inspection" | "repair" | "preventive" = "inspection") =>
  callers.admin.maintenance.create({ type, terminalId: (await terminalBySerial(serial)).id, title: "Visit", dueDate: "2026-12-01" });
const save = (id: string, fields: Partial<Parameters<typeof callers.technician.maintenance.saveWork>[0]> = {}) =>
  ({ id, saveId: randomUUID(), checklist: [], parts: [], minutesSpent: null, resolution: "", signoffName: "", ...fields }) as Parameters<typeof callers.technician.maintenance.saveWork>[0];

beforeAll(async () => {
  handle = testDb.handle = await createTestDatabase();
  callers = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

describe("the follow-up inspection after a failed tamper check", () => {
  const failTamper = async (serial: string) => {
    const order = await openOrder(serial);
    const saved = await callers.admin.maintenance.saveWork(save(order.id, { checklist: [{ key: "tamper_inspection", result: "fail", note: "Seal cut" }] }));
    return orderById(saved.tamper!.followUpId);
  };

  it("goes to the merchant's technician when there is exactly one, and shows in their My work", async () => {
    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    const followUp = await failTamper("DEMO-0022");
    expect(followUp).toMatchObject({ technicianId: tech.id, status: "scheduled", tamperAlert: true, priority: "urgent" });
    const mine = await callers.technician.maintenance.myWork();
    expect(mine.today.map((w) => w.id)).toContain(followUp.id);
  });

  it("stays unassigned when the merchant has no technician, or two", async () => {
    expect(await failTamper("BAKE-0005")).toMatchObject({ technicianId: null, status: "open" });

    const bakery = await merchantNamed(handle.db, "Other Bakery");
    for (const n of [1, 2]) {
      const [user] = await handle.db
        .insert(users)
        .values({ id: randomUUID(), name: `Bakery tech ${n}`, email: `bakery-tech-${n}@example.test`, role: "technician" })
        .returning();
      await handle.db.insert(technicianAssignments).values({ technicianId: user!.id, merchantId: bakery.id });
    }
    expect(await failTamper("BAKE-0006")).toMatchObject({ technicianId: null, status: "open" });
  });
});

describe("the tamper line answered N/A", () => {
  it("is refused without a reason, marking the note and changing nothing; with one it is kept", async () => {
    const order = await openOrder("DEMO-0023");
    const refused = await callers.technician.maintenance
      .saveWork(save(order.id, { checklist: [{ key: "tamper_inspection", result: "na", note: "  " }], resolution: "Looked" }))
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "BAD_REQUEST" });
    expect((refused as { cause?: unknown }).cause).toBeInstanceOf(AppError);
    expect((refused as { cause: AppError }).cause).toMatchObject({ reason: "tamperNaNeedsReason", field: "checklist.tamper_inspection.note" });
    const untouched = await orderById(order.id);
    expect(untouched.checklist.find((c) => c.key === "tamper_inspection")?.result).toBeUndefined();
    expect(untouched.resolution).toBeNull();
    expect(untouched.status).toBe("open");

    await callers.technician.maintenance.saveWork(save(order.id, { checklist: [{ key: "tamper_inspection", result: "na", note: "Terminal removed for repair; no device at the counter" }] }));
    expect((await orderById(order.id)).checklist.find((c) => c.key === "tamper_inspection")).toMatchObject({ result: "na", note: "Terminal removed for repair; no device at the counter" });
  });

  it("may stay N/A without a reason on any other line", async () => {
    const order = await openOrder("DEMO-0023");
    await callers.technician.maintenance.saveWork(save(order.id, { checklist: [{ key: "serial_matches", result: "na", note: "" }] }));
    expect((await orderById(order.id)).checklist.find((c) => c.key === "serial_matches")?.result).toBe("na");
  });
});

describe("the technician's one save", () => {
  it("records checklist, work log, a log entry and completion together", async () => {
    const order = await openOrder("DEMO-0024");
    const result = await callers.technician.maintenance.saveWork(
      save(order.id, {
        checklist: [
          { key: "tamper_inspection", result: "pass", note: "" },
          { key: "serial_matches", result: "pass", note: "" },
        ],
        parts: [{ name: "Security seal", quantity: 2 }],
        minutesSpent: 20,
        resolution: "Seals replaced.",
        signoffName: "Li Wei",
        note: { id: randomUUID(), body: "Old seals were faded." },
        complete: true,
      }),
    );
    expect(result).toMatchObject({ status: "done", replayed: false, tamper: null });
    const done = await orderById(order.id);
    expect(done).toMatchObject({ status: "done", minutesSpent: 20, resolution: "Seals replaced.", signoffName: "Li Wei" });
    expect(done.completedAt).not.toBeNull();
    const trail = await handle.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.entityId, order.id));
    expect(trail.map((a) => a.action)).toEqual(expect.arrayContaining(["work_order.checklist_saved", "work_order.log_saved", "work_order.note_added", "work_order.completed"]));
  });

  it("refuses completion with something missing, and keeps what was there", async () => {
    const order = await openOrder("DEMO-0024");
    const refused = await callers.technician.maintenance.saveWork(save(order.id, { checklist: [{ key: "tamper_inspection", result: "pass", note: "" }], complete: true })).catch((e: unknown) => e);
    expect((refused as { cause: AppError }).cause).toMatchObject({ reason: "workOrderIncomplete" });
    expect((await orderById(order.id)).status).toBe("open");
  });

  it("is idempotent: a resend after a lost answer neither writes the log entry twice nor fails on the completed work order", async () => {
    const order = await openOrder("DEMO-0025");
    const input = save(order.id, {
      checklist: [
        { key: "tamper_inspection", result: "pass", note: "" },
        { key: "serial_matches", result: "pass", note: "" },
      ],
      resolution: "All seals intact.",
      signoffName: "Wang Fang",
      note: { id: randomUUID(), body: "Checked under the counter too." },
      complete: true,
    });
    const first = await callers.technician.maintenance.saveWork(input);
    const again = await callers.technician.maintenance.saveWork(input);
    expect(first).toMatchObject({ status: "done", replayed: false });
    expect(again).toMatchObject({ status: "done", replayed: true });
    const [notes] = await handle.db.select({ n: count() }).from(workOrderNotes).where(eq(workOrderNotes.workOrderId, order.id));
    expect(notes!.n).toBe(1);
    const [completions] = await handle.db
      .select({ n: count() })
      .from(auditLog)
      .where(and(eq(auditLog.entityId, order.id), eq(auditLog.action, "work_order.completed")));
    expect(completions!.n).toBe(1);
  });

  it("writes a log entry once when a newer version of the draft carries it again", async () => {
    const order = await openOrder("DEMO-0025");
    const note = { id: randomUUID(), body: "Customer asked for a receipt roll." };
    await callers.technician.maintenance.saveWork(save(order.id, { note }));
    // The answer was lost and the technician typed more: a new version, the same entry.
    await callers.technician.maintenance.saveWork(save(order.id, { note, resolution: "Receipt roll replaced." }));
    const entries = await handle.db.select().from(workOrderNotes).where(eq(workOrderNotes.workOrderId, order.id));
    expect(entries.map((e) => e.body)).toEqual([note.body]);
    expect((await orderById(order.id)).resolution).toBe("Receipt roll replaced.");
  });

  it("concurrent resends of one save apply it once", async () => {
    const order = await openOrder("DEMO-0026");
    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    const worker = { actor: { id: tech.id, label: tech.email, ip: null }, scope: await scopeForUser(handle.db, tech), userId: tech.id, role: "technician" as const };
    const input = saveWorkInput.parse({ ...save(order.id), note: { id: randomUUID(), body: "Sent twice at once." } });
    const results = await Promise.all([saveWork(handle.db, worker, input), saveWork(handle.db, worker, input)]);
    expect(results.map((r) => r.replayed).sort()).toEqual([false, true]);
    const [notes] = await handle.db.select({ n: count() }).from(workOrderNotes).where(eq(workOrderNotes.workOrderId, order.id));
    expect(notes!.n).toBe(1);
  });
});

describe("My work", () => {
  it("puts today's work first, then overdue, then upcoming, and only the technician's own open work", async () => {
    const now = new Date();
    const today = localDay(now, DEFAULT_TIME_ZONE);
    const tech = await viewerByEmail(handle.db, demoEmails.technician);
    const terminal = await terminalBySerial("DEMO-0027");
    const make = (dueDate: string, extra: Partial<typeof workOrders.$inferInsert> = {}) =>
      handle.db
        .insert(workOrders)
        .values({
          type: "repair",
          title: "x",
          terminalId: terminal.id,
          merchantId: terminal.merchantId,
          storeId: terminal.storeId,
          technicianId: tech.id,
          status: "scheduled",
          dueDate,
          checklist: [],
          ...extra,
        })
        .returning()
        .then((rows) => rows[0]!);
    const dueToday = await make(today);
    const overdueButScheduledToday = await make("2020-01-01", { scheduledFor: now });
    const overdue = await make("2020-01-02");
    const upcoming = await make("2099-01-01");
    const done = await make(today, { status: "done" });
    const others = await make(today, { technicianId: null, status: "open" });

    const work = await myWork(handle.db, await scopeForUser(handle.db, tech), tech.id, now);
    const ids = (items: { id: string }[]) => items.map((w) => w.id);
    expect(ids(work.today)).toEqual(expect.arrayContaining([dueToday.id, overdueButScheduledToday.id]));
    expect(ids(work.overdue)).toContain(overdue.id);
    expect(ids(work.overdue)).not.toContain(overdueButScheduledToday.id);
    expect(ids(work.upcoming)).toContain(upcoming.id);
    const all = [...ids(work.today), ...ids(work.overdue), ...ids(work.upcoming)];
    expect(all).not.toContain(done.id);
    expect(all).not.toContain(others.id);
    expect(work.overdue.every((w) => w.dueDate < today)).toBe(true);
    expect(work.upcoming.every((w) => w.dueDate > today)).toBe(true);
  });
});

describe("photos of the seals", () => {
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)]);
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
  const webp = Buffer.concat([Buffer.from("RIFF"), Buffer.from([0, 0, 0, 0]), Buffer.from("WEBPVP8 "), Buffer.alloc(64)]);
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    cookies.technician = await sessionCookie(demoEmails.technician, "192.0.2.61");
    cookies.merchant = await sessionCookie(demoEmails.merchant, "192.0.2.62");
    cookies.otherMerchant = await sessionCookie(demoEmails.otherMerchant, "192.0.2.63");
    cookies.admin = await sessionCookie(demoEmails.admin, "192.0.2.64");
  });

  const upload = (workOrderId: string, body: BodyInit, cookie: string) =>
    uploadRoute.POST(
      new Request(`http://localhost:3000/api/work-orders/${workOrderId}/photos`, { method: "POST", body, headers: { cookie, origin: "http://localhost:3000", "content-type": "image/jpeg" } }),
      {
        params: Promise.resolve({ id: workOrderId }),
      },
    );
  const download = (workOrderId: string, photoId: string, cookie: string) =>
    photoRoute.GET(new Request(`http://localhost:3000/api/work-orders/${workOrderId}/photos/${photoId}`, { headers: { cookie } }), { params: Promise.resolve({ id: workOrderId, photoId }) });
  const photosOf = async (workOrderId: string) => handle.db.select().from(workOrderPhotos).where(eq(workOrderPhotos.workOrderId, workOrderId));

  it("know JPEG, PNG and WebP by their first bytes, and nothing else", () => {
    expect(photoTypeOf(jpeg)).toBe("image/jpeg");
    expect(photoTypeOf(png)).toBe("image/png");
    expect(photoTypeOf(webp)).toBe("image/webp");
    expect(photoTypeOf(Buffer.from("GIF89a"))).toBeNull();
    expect(photoTypeOf(Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toBeNull();
    expect(photoTypeOf(Buffer.from("RIFF\0\0\0\0WAVE"))).toBeNull();
    expect(photoTypeOf(new Uint8Array([0xff, 0xd8]))).toBeNull();
  });

  it("are stored with the work order, shown to whoever sees it and to no one else, and on the evidence page", async () => {
    const order = await openOrder("DEMO-0028");
    const response = await upload(order.id, jpeg, cookies.technician!);
    expect(response.status).toBe(201);
    const { id: photoId } = (await response.json()) as { id: string };
    expect((await callers.merchant.maintenance.get({ id: order.id })).photos.map((p) => p.id)).toEqual([photoId]);

    for (const who of ["technician", "merchant", "admin"]) {
      const seen = await download(order.id, photoId, cookies[who]!);
      expect(seen.status, who).toBe(200);
      expect(seen.headers.get("content-type")).toBe("image/jpeg");
      expect(seen.headers.get("x-content-type-options")).toBe("nosniff");
      expect(Buffer.from(await seen.arrayBuffer()).equals(jpeg)).toBe(true);
    }
    expect((await download(order.id, photoId, cookies.otherMerchant!)).status).toBe(404);
    expect((await download(order.id, photoId, "")).status).toBe(401);

    // The inspection completed with its photo is the device's last inspection on the store's evidence.
    await callers.technician.maintenance.saveWork(
      save(order.id, {
        checklist: [
          { key: "tamper_inspection", result: "pass", note: "" },
          { key: "serial_matches", result: "pass", note: "" },
        ],
        resolution: "Seals intact.",
        signoffName: "Li Wei",
        complete: true,
      }),
    );
    const terminal = await terminalBySerial("DEMO-0028");
    const evidence = await callers.merchant.training.evidence({ storeId: terminal.storeId! });
    expect(evidence.devices.find((d) => d.serialNumber === "DEMO-0028")?.lastInspection).toMatchObject({ workOrderId: order.id, photoId });
  });

  it("refuse what is too large, empty or not a photo, and keep nothing of it", async () => {
    const order = await openOrder("DEMO-0029");
    const tooLarge = await upload(order.id, Buffer.concat([jpeg, Buffer.alloc(MAX_PHOTO_BYTES)]), cookies.technician!);
    expect(tooLarge.status).toBe(413);
    const empty = await upload(order.id, Buffer.alloc(0), cookies.technician!);
    expect(empty.status).toBe(400);
    const html = await upload(order.id, Buffer.from("<html><script>alert(1)</script></html>"), cookies.technician!);
    expect(html.status).toBe(400);
    expect(await html.json()).toMatchObject({ error: { message: "This file is not a JPEG, PNG or WebP photo." } });
    expect(await photosOf(order.id)).toEqual([]);
  });

  it("are added only by workers who see the work order, while it is open, and at most ten", async () => {
    const bakery = await openOrder("BAKE-0007");
    expect((await upload(bakery.id, jpeg, cookies.technician!)).status).toBe(404);
    expect((await upload(bakery.id, jpeg, cookies.otherMerchant!)).status).toBe(404);
    expect(await photosOf(bakery.id)).toEqual([]);

    const order = await openOrder("DEMO-0030");
    for (let i = 0; i < MAX_PHOTOS_PER_WORK_ORDER; i++) expect((await upload(order.id, png, cookies.technician!)).status).toBe(201);
    expect((await upload(order.id, png, cookies.technician!)).status).toBe(409);
    expect(await photosOf(order.id)).toHaveLength(MAX_PHOTOS_PER_WORK_ORDER);

    await callers.admin.maintenance.move({ id: bakery.id, status: "cancelled" });
    expect((await upload(bakery.id, jpeg, cookies.admin!)).status).toBe(409);
  });

  it("of one work order are not served under another's address", async () => {
    const a = await openOrder("DEMO-0031");
    const b = await openOrder("DEMO-0031");
    const { id } = (await (await upload(a.id, webp, cookies.technician!)).json()) as { id: string };
    expect((await download(b.id, id, cookies.technician!)).status).toBe(404);
    expect((await download(a.id, id, cookies.technician!)).status).toBe(200);
  });
});
