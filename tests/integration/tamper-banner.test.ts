import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { terminals, workOrders } from "@/db/schema";
import { createTestDatabase, demoCallers } from "../helpers/db";

let handle: DbHandle;
let as: Awaited<ReturnType<typeof demoCallers>>;

beforeAll(async () => {
  handle = await createTestDatabase();
  as = await demoCallers(handle.db);
});
afterAll(async () => handle?.close());

const terminalBySerial = async (serial: string) => (await handle.db.select().from(terminals).where(eq(terminals.serialNumber, serial)))[0]!;

describe("a terminal suspended by a failed tamper check", () => {
  it("says why and names the open inspection, until an admin returns it to service", async () => {
    const terminal = await terminalBySerial("DEMO-0027");
    expect((await as.merchant.terminals.getBySerial({ serialNumber: "DEMO-0027" })).tamperSuspension).toBeNull();
    const order = await as.admin.maintenance.create({ type: "preventive", terminalId: terminal.id, title: "Visit", dueDate: "2026-06-12" });
    const saved = await as.technician.maintenance.saveWork({
      id: order.id,
      saveId: randomUUID(),
      checklist: [{ key: "tamper_inspection", result: "fail", note: "Seal broken" }],
      parts: [],
      minutesSpent: null,
      resolution: "",
      signoffName: "",
    });
    const [inspection] = await handle.db.select().from(workOrders).where(eq(workOrders.id, saved.tamper!.followUpId));

    const seen = await as.merchant.terminals.getBySerial({ serialNumber: "DEMO-0027" });
    expect(seen.status).toBe("suspended");
    expect(seen.tamperSuspension).toMatchObject({ inspection: { id: inspection!.id, number: inspection!.number } });
    expect(seen.tamperSuspension!.failedAt).toBeInstanceOf(Date);

    // The inspection done, the reason stays (the terminal is still suspended) but no inspection is open.
    await handle.db.update(workOrders).set({ status: "done" }).where(eq(workOrders.id, inspection!.id));
    expect((await as.merchant.terminals.getBySerial({ serialNumber: "DEMO-0027" })).tamperSuspension).toMatchObject({ inspection: null });

    await as.admin.terminals.setStatus({ id: terminal.id, status: "active" });
    expect((await as.merchant.terminals.getBySerial({ serialNumber: "DEMO-0027" })).tamperSuspension).toBeNull();
  });

  it("shows nothing for a terminal an admin suspended by hand", async () => {
    const terminal = await terminalBySerial("DEMO-0028");
    await as.admin.terminals.setStatus({ id: terminal.id, status: "suspended", reason: "Reported stolen" });
    expect((await as.admin.terminals.getBySerial({ serialNumber: "DEMO-0028" })).tamperSuspension).toBeNull();
  });
});
