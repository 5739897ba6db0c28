import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { staffMembers, terminals, trainingCourses, workOrders } from "@/db/schema";
import { dateTime, day } from "@/server/schemas/common";
import { createTestDatabase, demoCallers } from "../helpers/db";
import { fieldErrorsOf } from "../helpers/field-errors";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;

const outOfRange = ["Enter a date between 2000-01-01 and 2100-12-31."];
const someId = "00000000-0000-4000-8000-000000000000";

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

describe("dates outside 2000-01-01 … 2100-12-31", () => {
  it("are refused with a field error, so year 0001 is never read back as 2001", async () => {
    const { items } = await as.admin.maintenance.list({ open: true });
    const order = items[0]!;
    const [before] = await handle.db.select().from(workOrders).where(eq(workOrders.id, order.id));
    expect((await fieldErrorsOf(as.admin.maintenance.update({ id: order.id, scheduledFor: "0001-06-01" }))).scheduledFor).toEqual(outOfRange);
    expect((await fieldErrorsOf(as.admin.maintenance.update({ id: order.id, dueDate: "0099-12-31" }))).dueDate).toEqual(outOfRange);
    const [after] = await handle.db.select().from(workOrders).where(eq(workOrders.id, order.id));
    expect(after).toEqual(before);
    // A date in range still goes through.
    const scheduledFor = new Date("2026-12-01T09:00:00Z");
    expect(await as.admin.maintenance.update({ id: order.id, scheduledFor })).toMatchObject({ scheduledFor });
  });

  it("are refused on every input that takes a date or a time", async () => {
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0001"));
    const [course] = await handle.db.select().from(trainingCourses).limit(1);
    const [staff] = await handle.db.select().from(staffMembers).limit(1);
    const refused = async (call: Promise<unknown>, field: string) => expect((await fieldErrorsOf(call))[field]).toEqual(outOfRange);

    await refused(as.admin.maintenance.create({ type: "repair", terminalId: terminal!.id, title: "Card reader", dueDate: "2101-01-01" }), "dueDate");
    await refused(as.admin.maintenance.createPlan({ name: "Clean the reader", scope: "terminal", terminalId: terminal!.id, firstDue: "0001-06-01" }), "firstDue");
    await refused(as.admin.maintenance.calendar({ from: "0001-06-01", to: "0001-06-30" }), "from");
    await refused(as.admin.training.recordSession({ courseId: course!.id, trainedOn: "0001-06-01", trainer: { kind: "external", name: "SafePay" }, attendees: [{ staffId: staff!.id }] }), "trainedOn");
    const notice = { title: "Firmware 2.4 tonight", body: "It installs 02:00–04:00.", audience: { everyone: true }, channels: { inbox: true } };
    await refused(as.admin.notices.create({ ...notice, publishAt: "0001-06-01T02:00:00Z" }), "publishAt");
    await refused(as.admin.notices.create({ ...notice, expiresAt: "2101-01-01T00:00:00Z" }), "expiresAt");
    await refused(as.admin.rollouts.create({ releaseId: someId, target: { modelIds: [terminal!.modelId] }, name: "Night update", startsAt: "0050-01-01T00:00:00Z" }), "startsAt");
    await refused(as.admin.audit.list({ from: "0001-01-01" }), "from");
  });

  it("include both ends of the range", () => {
    expect(["1999-12-31", "2000-01-01", "2100-12-31", "2101-01-01"].map((d) => day.safeParse(d).success)).toEqual([false, true, true, false]);
    expect(["1999-12-31T23:59:59Z", "2000-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "2101-01-01T00:00:00Z"].map((d) => dateTime.safeParse(d).success)).toEqual([false, true, true, false]);
  });
});
